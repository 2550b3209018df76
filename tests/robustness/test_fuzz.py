"""The fuzzers of tests/robustness/fuzz.py, bounded for CI, and the cases they found.

`FCN_STUDIO_FUZZ_CASES=N` raises the number of mutants per format; the long run is
`python -m tests.robustness.fuzz --cases 10000`.
"""

import json
import os
import re

import pytest

from fcn_studio.data.classes import read_classes_json
from fcn_studio.errors import DatasetError, RecipeError
from fcn_studio.training.recipes import load_recipe
from fcn_studio.training.run_folder import read_config
from tests.robustness import fuzz

CASES = int(os.environ.get("FCN_STUDIO_FUZZ_CASES", "40"))


@pytest.mark.parametrize("name", sorted(fuzz.FUZZERS))
def test_the_fuzzer_finds_nothing(name):
    report = fuzz.run(name, CASES, seed=1)
    assert report.cases == CASES and not report.findings, "\n".join(report.findings[:3])
    assert report.outcomes["refused"] < CASES, "every mutant was refused: the originals do not open"


@pytest.mark.parametrize("text", ["7", "[1, 2]", "null", '"paper"', "true"])
def test_recipe_and_config_files_that_are_no_table_are_refused(tmp_path, text):
    recipe = tmp_path / "r.json"
    recipe.write_text(text)
    with pytest.raises(RecipeError, match="r.json: a recipe must be a table of fields"):
        load_recipe(recipe)
    (tmp_path / "config.json").write_text(text)
    with pytest.raises(RecipeError, match="config.json: a run configuration must be a JSON object"):
        read_config(tmp_path)
    (tmp_path / "config.json").write_text(json.dumps({"data": "d", "out": "o", "recipe": json.loads(text)}))
    with pytest.raises(RecipeError, match="a recipe must be a table of fields"):
        read_config(tmp_path)


@pytest.mark.parametrize("field,value", [("seed", 1.5), ("width", "wide"), ("data", 3), ("band", True)])
def test_run_config_fields_of_the_wrong_type_are_refused(tmp_path, field, value):
    (tmp_path / "config.json").write_text(json.dumps({"data": "d", "out": "o", field: value}))
    with pytest.raises(RecipeError, match=f"config.json: {field} must be"):
        read_config(tmp_path)


def test_a_palette_of_infinities_in_classes_json_is_refused(tmp_path):
    path = tmp_path / "classes.json"
    path.write_text('{"class_names": ["a", "b"], "palette": [[0, 0, 0], [1e999, 0, 0]]}')
    with pytest.raises(DatasetError, match='classes.json: "palette" must be a list of'):
        read_classes_json(path)


@pytest.mark.parametrize("text,reason", [
    ('{"preset": ["heavy"]}', "unknown preset ['heavy']"),
    ('{"preset": {"a": 1}}', "unknown preset"),
    ('{"batch_size": 0}', "batch_size must be at least 1, got 0"),
])
def test_recipe_fields_the_fuzzer_broke_are_refused(tmp_path, text, reason):
    path = tmp_path / "r.json"
    path.write_text(text)
    with pytest.raises(RecipeError, match=re.escape(reason)):
        load_recipe(path)
