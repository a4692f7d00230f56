"""The cerebellum: skills, kinematics, jerk-limited trajectories and a safety
supervisor in a fixed-rate loop between the brain and the limbs (see README.md)."""
