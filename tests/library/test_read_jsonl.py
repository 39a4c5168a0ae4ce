"""benchmark.files' JSONL reader: every bad line is one clear error naming the file and line,
whether it is read from a file, from lines in memory or on its own."""

import io

import pytest

from benchmark.files import JsonlError, parse_jsonl_line, read_jsonl, read_jsonl_lines


def test_it_numbers_lines_skips_blank_ones_and_accepts_a_byte_order_mark(tmp_path):
    path = tmp_path / "rows.jsonl"
    path.write_bytes(b'\xef\xbb\xbf{"a": 1}\n\n   \n{"b": "\\ud83d\\ude00 \xc3\xa9"}')
    assert list(read_jsonl(path)) == [(1, {"a": 1}), (4, {"b": "\U0001f600 \u00e9"})]
    assert list(read_jsonl(str(path))) == list(read_jsonl(path))


def test_it_reads_a_binary_stream_from_where_it_stands_and_leaves_it_open(tmp_path):
    path = tmp_path / "rows.jsonl"
    path.write_bytes(b'{"a": 1}\n{"a": 2}\n')
    with open(path, "rb") as stream:
        assert list(read_jsonl(stream)) == [(1, {"a": 1}), (2, {"a": 2})]
        assert not stream.closed
    with open(path, encoding="utf-8") as text, pytest.raises(TypeError, match="binary stream"):
        list(read_jsonl(text))
    stream = io.BytesIO(b"[]\n")
    with pytest.raises(JsonlError, match=r"^<stream>, line 1: not a JSON object"):
        list(read_jsonl(stream))


BAD_LINES = [
    (b"\xff\xfe{}", "not UTF-8 text (byte 1)"),
    (b'{"a": "\xed\xa0\x80"}', "not UTF-8 text (byte 8)"),  # a surrogate encoded as UTF-8
    (b"{oops", "not JSON (Expecting property name enclosed in double quotes, column 2)"),
    (b'{"a": 1', "not JSON"),
    (b'{"a": 1}{"b": 2}', "not JSON (Extra data, column 9)"),
    (b"[1, 2]", "not a JSON object (found an array)"),
    (b'"text"', "not a JSON object (found a string)"),
    (b"null", "not a JSON object (found null)"),
    (b"12", "not a JSON object (found a number)"),
    (b'{"a": NaN}', "not JSON (NaN is not a JSON value)"),
    (b'{"a": -Infinity}', "not JSON (-Infinity is not a JSON value)"),
    (b'{"a": ' + b"9" * 5000 + b"}", "not JSON (Exceeds the limit (4300 digits)"),
    (b'{"a": ' + b"[" * 200_000 + b"]" * 200_000 + b"}", "nested too deeply to read"),
    (b'{"a": "\\ud800"}', "lone surrogate"),
    (b'{"a": {"b": ["ok", "\\uDFFF"]}}', "lone surrogate"),
    (b'{"\\udbff": 1}', "lone surrogate"),
]


@pytest.mark.parametrize("line, reason", BAD_LINES)
def test_a_bad_line_is_named_with_its_file_and_number(tmp_path, line, reason):
    path = tmp_path / "bad.jsonl"
    path.write_bytes(b'{"ok": true}\n\n' + line + b'\n{"ok": true}\n')
    rows = read_jsonl(path)
    assert next(rows) == (1, {"ok": True})
    with pytest.raises(JsonlError) as raised:
        next(rows)
    error = raised.value
    assert isinstance(error, ValueError)
    assert (error.source, error.line) == (str(path), 3)
    assert str(error).startswith(f"{path}, line 3: ") and reason in str(error)
    assert "\n" not in str(error)


def test_a_line_over_the_limit_is_refused_without_reading_it_all():
    """An endless line: the reader stops after the limit instead of filling memory."""

    class Endless(io.RawIOBase):
        def readable(self):
            return True

        def readinto(self, buffer):
            buffer[:] = b"x" * len(buffer)
            return len(buffer)

    stream = io.BufferedReader(Endless())
    with pytest.raises(JsonlError, match=r"line 1: longer than 1,000,000 bytes"):
        list(read_jsonl(stream, max_line_bytes=1_000_000))


def test_a_line_exactly_at_the_limit_is_read():
    line = b'{"a": "' + b"x" * 92 + b'"}'
    assert len(line) == 101
    assert list(read_jsonl(io.BytesIO(line + b"\n"), max_line_bytes=101)) == [(1, {"a": "x" * 92})]
    with pytest.raises(JsonlError, match="longer than 100 bytes"):
        list(read_jsonl(io.BytesIO(line + b"\n"), max_line_bytes=100))


@pytest.mark.parametrize(
    "make, reason", [(lambda p: p / "missing.jsonl", "no such file"), (lambda p: p, "is a folder")]
)
def test_a_path_that_cannot_be_read_is_one_clear_error(tmp_path, make, reason):
    with pytest.raises(JsonlError, match=reason) as raised:
        list(read_jsonl(make(tmp_path)))
    assert raised.value.line is None


@pytest.mark.parametrize("line, reason", BAD_LINES)
def test_lines_in_memory_and_a_single_line_are_refused_for_the_same_reasons(line, reason):
    for lines in ([b'{"ok": true}', b"", line], [b'{"ok": true}\n', b"\n", line + b"\n"]):
        rows = read_jsonl_lines(lines, where="upload.jsonl")
        assert next(rows) == (1, {"ok": True})
        with pytest.raises(JsonlError) as raised:
            next(rows)
        message = str(raised.value)
        assert message.startswith("upload.jsonl, line 3: ") and reason in message
    with pytest.raises(JsonlError) as raised:
        parse_jsonl_line(line, "The provenance file")
    assert str(raised.value).startswith("The provenance file: ") and reason in str(raised.value)
    assert raised.value.line is None


def test_lines_in_memory_are_read_like_a_file():
    lines = [b'\xef\xbb\xbf{"a": 1}', b"  ", b'{"b": "\\ud83d\\ude00"}\r\n']
    assert list(read_jsonl_lines(lines, where="x")) == [(1, {"a": 1}), (3, {"b": "\U0001f600"})]
    assert parse_jsonl_line('{"a": "\u00e9"}', "x") == {"a": "\u00e9"}


def test_an_escaped_backslash_before_u_is_not_taken_for_a_surrogate():
    line = b'{"path": "C:\\\\ud800\\\\x"}'
    assert parse_jsonl_line(line, "x") == {"path": "C:\\ud800\\x"}


@pytest.mark.parametrize("ending", [b"", b"\n"])
def test_a_line_in_memory_over_the_limit_is_refused_with_or_without_its_line_break(ending):
    line = b'{"a": "' + b"x" * 92 + b'"}'
    read = read_jsonl_lines([line + ending], where="x", max_line_bytes=101)
    assert list(read) == [(1, {"a": "x" * 92})]
    with pytest.raises(JsonlError, match="x, line 1: longer than 100 bytes"):
        list(read_jsonl_lines([line + ending], where="x", max_line_bytes=100))
