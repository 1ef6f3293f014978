"""Selection-method plugins (the `xharness_selectors` hook)."""
