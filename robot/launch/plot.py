"""A picture of a run's joint motion with the safety limits drawn in, from its recording."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt

from core.msgs import JointState
from core.profile import Profile
from robot.recording import read_messages


def plot_joints(recording: str | Path, profile: Profile, out: str | Path) -> Path:
    """Plot every joint's position (rad) and velocity (rad/s) over the run, with the
    profile's position and velocity limits as dashed lines. Time is the source's
    stamp: in a faster-than-real-time simulation, wall-clock seconds."""
    states = [
        r.message
        for r in read_messages(recording, {"JointState"})
        if isinstance(r.message, JointState)
    ]
    if not states:
        raise ValueError(f"{recording} holds no JointState to plot")
    t0 = states[0].stamp_ns
    t = [(s.stamp_ns - t0) / 1e9 for s in states]
    joints = profile.joints
    fig, axes = plt.subplots(len(joints), 2, figsize=(12, 2.0 * len(joints)), sharex=True)
    for i, joint in enumerate(joints):
        pos_ax, vel_ax = axes[i]
        pos_ax.plot(t, [s.position[i] for s in states], color="tab:blue")
        for limit in (joint.lower, joint.upper):
            pos_ax.axhline(limit, color="tab:red", linestyle="--", linewidth=1)
        pos_ax.set_ylabel(f"{joint.name}\nrad")
        if states[0].velocity:
            vel_ax.plot(t, [s.velocity[i] for s in states], color="tab:green")
        for limit in (-joint.max_velocity, joint.max_velocity):
            vel_ax.axhline(limit, color="tab:red", linestyle="--", linewidth=1)
        vel_ax.set_ylabel("rad/s")
    axes[0][0].set_title("position (red: joint limits)")
    axes[0][1].set_title("velocity (red: velocity limits)")
    axes[-1][0].set_xlabel("time (s)")
    axes[-1][1].set_xlabel("time (s)")
    fig.tight_layout()
    out = Path(out)
    fig.savefig(out, dpi=80)
    plt.close(fig)
    return out
