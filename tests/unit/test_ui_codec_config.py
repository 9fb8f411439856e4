"""The local Web UI's codec endpoint file (devstack/services.py): mode 600, the capability only in
the file (never on start-dev's command line), replaced at each start."""

from __future__ import annotations

import json
from pathlib import Path

from devstack.config import StackConfig
from devstack.services import UI_CODEC_ENV, write_ui_codec_config


def test_the_capability_goes_to_a_private_file_and_is_replaced_at_each_start(tmp_path: Path) -> None:
    c = StackConfig(data_dir=tmp_path, api_port=18000)
    path = write_ui_codec_config(c, "cap.one")
    assert path.stat().st_mode & 0o777 == 0o600
    env = json.loads(path.read_text())["env"][UI_CODEC_ENV]
    assert env == {"ui-codec-endpoint": "http://localhost:18000/codec/ui/cap.one"}
    again = write_ui_codec_config(c, "cap.two")
    assert again == path and "cap.one" not in path.read_text() and "cap.two" in path.read_text()
    assert path.stat().st_mode & 0o777 == 0o600
