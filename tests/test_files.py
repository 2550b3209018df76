"""files.replacing: the new content replaces the file only when complete; temps never stay."""

import pytest

from fcn_studio.files import remove_stale_temps, replacing, unique_name


def test_replacing_renames_a_complete_write_over_the_target(tmp_path):
    target = tmp_path / "sub" / "a.txt"
    with replacing(target) as tmp:
        assert tmp != str(target) and (tmp_path / "sub").is_dir()
        open(tmp, "w").write("new")
    assert target.read_text() == "new" and sorted(p.name for p in target.parent.iterdir()) == ["a.txt"]


def test_a_failed_write_keeps_the_old_file_and_removes_its_temp(tmp_path):
    target = tmp_path / "a.txt"
    target.write_text("old")
    with pytest.raises(OSError, match="disk full"):
        with replacing(target) as tmp:
            open(tmp, "w").write("half")
            raise OSError("disk full")
    assert target.read_text() == "old" and sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]


def test_remove_stale_temps_deletes_only_this_files_temps(tmp_path):
    target = tmp_path / "last.pt"
    left = [tmp_path / ".last.pt.x1.tmp", tmp_path / ".last.pt.y2.tmp"]
    other = tmp_path / ".best.safetensors.z.tmp"
    for p in (*left, other):
        p.write_text("half")
    assert remove_stale_temps(target) == left
    assert sorted(p.name for p in tmp_path.iterdir()) == [other.name]


def test_replacing_gives_an_ordinary_files_permissions_whatever_the_umask(tmp_path):
    import os
    import stat

    for umask, mode in ((0o022, 0o644), (0o077, 0o600), (0o002, 0o664)):
        old = os.umask(umask)
        try:
            with replacing(tmp_path / "m.bin") as tmp:  # mkstemp makes 0600: the rename must not keep it
                open(tmp, "wb").write(b"x")
        finally:
            os.umask(old)
        assert stat.S_IMODE((tmp_path / "m.bin").stat().st_mode) == mode


def test_unique_name_numbers_a_taken_stem_from_2():
    assert unique_name("x", set()) == "x"
    assert unique_name("x", {"x"}) == "x-2"
    assert unique_name("x", {"x", "x-2", "x-3"}) == "x-4"
    assert unique_name("cat", lambda name: name in {"cat", "cat-2_overlay", "cat-2"}) == "cat-3"
