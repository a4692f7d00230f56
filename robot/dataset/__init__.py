"""LeRobot datasets of the twin's episodes (`robot dataset`): the v3 layout written and
read here (`layout`, `writer`, `reader`), episodes sampled at a fixed rate
(`episode_frames`), generated in parallel (`generate`), exported from recordings
(`export`), and LeRobot recordings replayed on the twin (`play`). docs/datasets.md."""
