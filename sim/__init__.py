"""The PyBullet twin: the same SO-101-class arm the bench runs, in a world of physics.

- `world.World`: one PyBullet client (DIRECT or GUI), fixed-rate steps, no global state.
- `scenes.build_scene(world, "tea" | "care", seed)`: the scene's bodies -> `scene.Scene`,
  whose `state()` is the ground-truth `WorldState` and `spilled()` / `on_person()` count
  particles for the run report.
- `arm.Arm`: a profile's URDF under servo-like position control (the limb backend
  `robot.limbs.twin.TwinLimb` drives it).
- `props`, `person`, `bodies`: what things are made of (documented grasp geometry).
- `liquids`: tea and water as particles; fill levels and spills.
- `cameras`, `video`: named cameras, pictures and GIF recordings; `cli`: `robot sim`.
- `servo_twin`: the arm's joints as the servos of a virtual bus (hardware-in-the-loop).

Objects move only through physics: nothing is attached, teleported or kinematic.
"""
