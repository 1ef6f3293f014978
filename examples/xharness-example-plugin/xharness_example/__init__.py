"""An example xharness plugin package."""
