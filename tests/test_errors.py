"""The one error family: every foreseen fault names its file (or setting) and the problem."""

import pytest

from fcn_studio.cli import main
from fcn_studio.errors import (
    CheckpointError,
    DatasetError,
    FileProblem,
    ImageLoadError,
    RecipeError,
    TrainingStopped,
    WeightFileError,
    printable,
)


@pytest.mark.parametrize("cls", [ImageLoadError, DatasetError, WeightFileError, CheckpointError, RecipeError, TrainingStopped])
def test_every_error_is_a_file_problem_with_path_and_reason(cls):
    exc = cls("data/x.png", "corrupt")
    assert isinstance(exc, FileProblem)
    assert (exc.path, exc.reason, str(exc)) == ("data/x.png", "corrupt", "data/x.png: corrupt")


def test_a_setting_without_a_file_is_the_reason_alone():
    exc = RecipeError(None, "width must be positive, got 0")
    assert exc.path is None and str(exc) == "width must be positive, got 0"
    assert isinstance(exc, ValueError)  # recipes are values: callers that check values still catch it


def test_an_undecodable_file_name_is_printable():
    name = b"bad-\xff.png".decode("utf-8", "surrogateescape")
    exc = ImageLoadError(name, "no such file")
    assert exc.source == name and str(exc) == "bad-\ufffd.png: no such file" == f"{printable(name)}: no such file"
    str(exc).encode("utf-8")  # no lone surrogate left to make print() raise


def test_the_cli_prints_a_file_problem_as_one_line(tmp_path, capsys):
    missing = tmp_path / "nothing-here"
    rc = main(["eval", "fcn8s", str(missing)])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 1 and len(err) == 1 and err[0].startswith("fcn-studio: error: ") and str(missing) in err[0]
