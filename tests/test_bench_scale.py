"""A tiny run of the scale benchmark (bench/scale.py): it generates, multiplies and verifies
the trail, then measures every row over real gunicorn. No timing is asserted."""

from __future__ import annotations

import json

from bench import growth, scale


def test_the_scale_benchmark_measures_every_row_on_a_verified_trail(tmp_path, capsys):
    """30 cases (12 made through the services, the rest multiplied), a few cycles on SQLite."""
    figures = tmp_path / "figures.json"
    status = scale.main(["--cases", "30", "--base", "12", "--cycles", "3", "--runs", "1",
                         "--warmup", "1", "--database", "sqlite", "--json", str(figures),
                         "--markdown", str(tmp_path / "figures.md")])
    out = capsys.readouterr().out
    assert status == 0, out
    result = json.loads(figures.read_text())
    assert result["cases"] == 30
    assert result["verify"].startswith("Audit chain intact"), result["verify"]
    assert "0 event(s) since" in result["verify"]  # the multiplied events are sealed too
    for action in scale.ACTIONS:
        assert result["rows"][action]["samples"] == 3, action
        assert f"\n{action} " in out, out
    assert "complete-task / engine floor: " in out
    assert result["interview_state_kib"] > 0 and result["worker_rss_mib"] > 0
    assert {"closed", "reopened", "booked, follow-up"} <= result["base_states"].keys()
    # and the growth table reads two such files (here the same run twice)
    grown = growth.table(result, result)
    for action in scale.ACTIONS:
        assert f"| {action} | " in grown and grown.count("| 1.00x |") == len(scale.ACTIONS)
    assert "complete-task / engine floor: " in grown
