"""Images, label palettes and datasets."""
