"""Robot profiles load by name or path; malformed ones name the file and the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.errors import ConfigError
from core.profile import load_profile

JOINT = """
[[joints]]
name = "{name}"
lower = -1.0
upper = 1.0
max_velocity = 2.0
max_acceleration = 10.0
max_effort = 1.0
"""


def test_so101_and_panda_load() -> None:
    so101 = load_profile("so101")
    assert so101.joint_names == (
        "shoulder_pan",
        "shoulder_lift",
        "elbow_flex",
        "wrist_flex",
        "wrist_roll",
        "gripper",
    )
    assert so101.urdf_path.is_file()
    assert [j.servo_id for j in so101.joints] == [1, 2, 3, 4, 5, 6]
    assert load_profile("panda").urdf_path.is_file()


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        (
            '[robot]\nname = "x"\nurdf = "x.urdf"\n' + JOINT.format(name="a") + "colour = 1\n",
            "colour",
        ),
        (
            '[robot]\nname = "x"\nurdf = "x.urdf"\n'
            + JOINT.format(name="a").replace("-1.0", "2.0"),
            "lower",
        ),
        ('[robot]\nname = "x"\nurdf = "x.urdf"\n' + JOINT.format(name="a") * 2, "repeat"),
        ('[robot]\nname = "x"\n', "urdf"),
    ],
)
def test_malformed_profiles_name_file_and_key(tmp_path: Path, text: str, fragment: str) -> None:
    path = tmp_path / "arm.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=fragment) as info:
        load_profile(path)
    assert "arm.toml" in str(info.value)


def test_a_missing_profile_says_which() -> None:
    with pytest.raises(ConfigError, match="no_such_arm"):
        load_profile("no_such_arm")
