"""Speed and memory measurements, each printed as ratios taken side by side in one process."""
