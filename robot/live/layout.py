"""The Foxglove layout shipped in deploy/foxglove-layout.json, built with the SDK's
layout types (foxglove.layouts) so that its fields are the ones Foxglove reads.

    python -m robot.live.layout > deploy/foxglove-layout.json   # after changing it

The same layout fits the live view and a recording from `robot run --record`: both use
the topics of robot/live/foxglove_messages.py and our JSON channels by topic key.

- 3D: the URDF twice from `/robot_description`, measured (solid) and commanded (frame
  prefix `commanded/`, see-through), the scene from `/scene`, followed in `world`;
- the overview camera; the log (`/log`: plans, steps, speech, safety, stops);
- plots: the shoulder lift and elbow commanded against measured (rad); the loop's
  p99 tick compute and jitter (us) from `LoopStats`;
- the latest `PlanStatus` as it came.
"""

from __future__ import annotations

import json

import foxglove.layouts as fl

from robot.live.foxglove_messages import COMMANDED_PREFIX, TOPIC_DESCRIPTION, TOPIC_LOG, TOPIC_SCENE

CAMERA_TOPIC = "/camera/overview"
PLOTTED_JOINTS = ((1, "shoulder_lift"), (2, "elbow_flex"))
"""(index in the bus's joint arrays, name) of the joints plotted, SO-101 order."""


def _urdf(
    instance: str, label: str, prefix: str, **looks: object
) -> fl.BaseRendererUrdfLayerSettings:
    return fl.BaseRendererUrdfLayerSettings(
        instance_id=instance,
        label=label,
        source_type="topic",
        topic=TOPIC_DESCRIPTION,
        frame_prefix=prefix,
        display_mode="visual",
        **looks,  # type: ignore[arg-type]
    )


def layout() -> fl.Layout:
    three_d = fl.ThreeDeePanel(
        title="Arm: measured, and commanded (see-through)",
        config=fl.ThreeDeeConfig(
            follow_tf="world",
            layers={
                "urdf-measured": _urdf("urdf-measured", "measured", ""),
                "urdf-commanded": _urdf(
                    "urdf-commanded",
                    "commanded",
                    COMMANDED_PREFIX,
                    opacity=0.35,
                ),
            },
            topics={TOPIC_SCENE: fl.BaseRendererSceneUpdateTopicSettings(visible=True)},
        ),
    )
    joints = fl.PlotPanel(
        title="Joints: commanded vs measured (rad)",
        config=fl.PlotConfig(
            paths=[
                series
                for index, name in PLOTTED_JOINTS
                for series in (
                    fl.PlotSeries(value=f"JointState.position[{index}]", label=f"{name} measured"),
                    fl.PlotSeries(
                        value=f"JointCommand.position[{index}]",
                        label=f"{name} commanded",
                        line_style="dashed",
                    ),
                )
            ],
            show_legend=True,
        ),
    )
    loop = fl.PlotPanel(
        title="Loop (us)",
        config=fl.PlotConfig(
            paths=[
                fl.PlotSeries(value="LoopStats.compute_p99_us", label="tick compute p99"),
                fl.PlotSeries(value="LoopStats.jitter_p99_us", label="wake-up jitter p99"),
            ],
            show_legend=True,
        ),
    )
    camera = fl.ImagePanel(
        title="Overview camera",
        config=fl.ImageConfig(image_mode=fl.ImageModeConfig(image_topic=CAMERA_TOPIC)),
    )
    log = fl.LogPanel(title="Plans, speech, safety", config=fl.LogConfig(topic_to_render=TOPIC_LOG))
    plan = fl.RawMessagesPanel(
        title="Plan progress", config=fl.RawMessagesConfig(topic_path="PlanStatus")
    )
    return fl.Layout(
        content=fl.SplitContainer(
            direction="row",
            items=[
                fl.SplitItem(proportion=3, content=three_d),
                fl.SplitItem(
                    proportion=2,
                    content=fl.SplitContainer(
                        direction="column",
                        items=[
                            fl.SplitItem(content=camera),
                            fl.SplitItem(content=log),
                            fl.SplitItem(content=plan),
                            fl.SplitItem(content=joints),
                            fl.SplitItem(content=loop),
                        ],
                    ),
                ),
            ],
        )
    )


def layout_json() -> str:
    """The layout as the JSON file Foxglove imports (indented, for readable diffs)."""
    return json.dumps(json.loads(layout().to_json()), indent=2) + "\n"


if __name__ == "__main__":
    print(layout_json(), end="")
