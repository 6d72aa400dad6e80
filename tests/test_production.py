"""Production mode: the refusal to start half-configured."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
WORKER = [str(Path(sys.executable).with_name("flask")), "--app", "caseapp", "worker", "--once"]
KEYS = {"SECRET_KEY": "s" * 64, "ANKOMMEN_AUDIT_KEY": "a" * 64}


def production_env(**values: str) -> dict[str, str]:
    """This environment without any Ankommen setting, in production mode, plus ``values``."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("ANKOMMEN_") and k not in ("SECRET_KEY", "DATABASE_URL")}
    return {**env, "ANKOMMEN_ENV": "production", "PYTHONUNBUFFERED": "1", **values}


@pytest.mark.parametrize("missing", ["SECRET_KEY", "DATABASE_URL", "ANKOMMEN_AUDIT_KEY"])
def test_production_refuses_to_start_without_each_required_variable(missing, tmp_path):
    env = production_env(DATABASE_URL="postgresql+psycopg://ankommen@127.0.0.1:1/ankommen",
                         ANKOMMEN_INSTANCE=str(tmp_path), **KEYS)
    del env[missing]
    result = subprocess.run(WORKER, cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode != 0
    assert f"refuses to start: set {missing} in the environment" in result.stderr


def test_an_unknown_environment_is_refused_by_name(tmp_path):
    env = production_env(ANKOMMEN_ENV="prod", ANKOMMEN_INSTANCE=str(tmp_path))
    result = subprocess.run(WORKER, cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode != 0
    assert "ANKOMMEN_ENV must be one of development, production, not 'prod'" in result.stderr
