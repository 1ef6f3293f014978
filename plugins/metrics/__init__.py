"""Built-in metric plugins (the `xharness_metrics` hook)."""
