"""The planner model: corpus generation, training and ONNX export (needs the `train` extra)."""
