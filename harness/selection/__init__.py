"""Intermediate-task selection: rank candidate intermediate tasks for a target before
training them (Poth et al., 2021, "What to Pre-Train on? Efficient Intermediate Task
Selection"), and check the ranking against the grid's measured single-task rows.

- `spec`: the `SelectorSpec` a plugin returns from the `xharness_selectors` hook.
- `methods`: the built-in selectors (dataset embeddings, LogME, short fine-tune).
- `features`: encoder forward passes that the methods share (pooled vectors, LogME inputs).
- `logme`: LogME (You et al., 2021), the evidence of a Bayesian linear model.
- `cost`: the stated FLOP model behind every GPU-hour estimate.
- `run`: candidates, intermediate models and one `xharness select` invocation.
- `ranking`: Spearman, NDCG@k, Regret@k and the random-ranking baseline.
- `report`: the selection tables of `xharness leaderboard`.
"""
