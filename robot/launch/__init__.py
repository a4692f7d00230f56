"""Launch files: which arm, scene, limbs and bus to start, and `robot run`."""
