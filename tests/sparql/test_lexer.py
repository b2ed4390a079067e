"""The SPARQL lexer cuts text the way the grammar does: strings, IRIs and comments are opaque."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from museum_kg.errors import QuerySyntaxError
from museum_kg.sparql.lexer import split_pname, tokenize, unescape


def kinds(text: str) -> list[tuple[str, str]]:
    return [(t.kind, t.text) for t in tokenize(text)]


@pytest.mark.parametrize(
    "literal",
    [
        "'SERVICE <http://a/>'",
        '"SERVICE <http://a/>"',
        "'''SERVICE\n<http://a/> ' '' '''",
        '"""SERVICE\n<http://a/> " "" """',
        r'"escaped \" SERVICE <http://a/>"',
        r"'escaped \' SERVICE'",
        r'"\\"',
    ],
)
def test_each_of_the_four_string_forms_is_one_token(literal: str) -> None:
    tokens = tokenize(f"SELECT ({literal} AS ?x) {{}}")
    strings = [t for t in tokens if t.kind == "string"]
    assert [t.text for t in strings] == [literal]
    assert not any(t.is_keyword("SERVICE") for t in tokens)


def test_string_values_are_unescaped() -> None:
    (token,) = [t for t in tokenize(r'"a\tb\u0041\U0001F600\"" .') if t.kind == "string"]
    assert token.value == 'a\tbA\U0001f600"'


def test_comments_run_to_end_of_line_but_not_inside_iris_or_strings() -> None:
    tokens = kinds('SELECT * # SERVICE <http://a/>\n{ <http://x/#frag> ?p "# not a comment" }')
    assert ("iri", "<http://x/#frag>") in tokens
    assert ("string", '"# not a comment"') in tokens
    assert ("name", "SERVICE") not in tokens


def test_iri_escapes_are_decoded_in_the_value() -> None:
    (token,) = [t for t in tokenize(r"<http\u003A//127.0.0.1/>") if t.kind == "iri"]
    assert token.value == "http://127.0.0.1/"


def test_less_than_is_an_operator_when_no_iri_can_follow() -> None:
    tokens = kinds("FILTER(?a < ?b && ?c<=3)")
    assert ("punct", "<") in tokens and ("punct", "<=") in tokens
    assert not any(k == "iri" for k, _ in tokens)


def test_prefixed_names_variables_blank_nodes_and_language_tags() -> None:
    tokens = kinds(r"ex:a.b ex:c\-d :e ex: ?v $w _:b1 'x'@en-GB 1.5e3 ^^ a")
    assert tokens == [
        ("pname", "ex:a.b"),
        ("pname", r"ex:c\-d"),
        ("pname", ":e"),
        ("pname", "ex:"),
        ("var", "?v"),
        ("var", "$w"),
        ("bnode", "_:b1"),
        ("string", "'x'"),
        ("langtag", "@en-GB"),
        ("number", "1.5e3"),
        ("punct", "^^"),
        ("name", "a"),
    ]
    assert split_pname(r"ex:c\-d") == ("ex", "c-d")


def test_keyword_followed_by_colon_is_a_prefixed_name() -> None:
    assert kinds("SERVICE:x") == [("pname", "SERVICE:x")]


def test_positions_are_line_and_column_of_the_original_text() -> None:
    tokens = tokenize('SELECT\n  """a\nb"""\n    ?x')
    assert [(t.line, t.column) for t in tokens] == [(1, 1), (2, 3), (4, 5)]


def test_an_unterminated_string_is_a_syntax_error_with_its_position() -> None:
    with pytest.raises(QuerySyntaxError) as caught:
        tokenize('SELECT *\nWHERE { ?s ?p "open }')
    assert (caught.value.line, caught.value.column) == (2, 15)


def test_unescape_handles_echar_and_uchar() -> None:
    assert unescape(r"\n\r\t\\\u00e9") == "\n\r\t\\é"


def test_texts_with_too_many_tokens_are_refused_before_evaluation() -> None:
    from museum_kg.sparql.lexer import MAX_TOKENS

    with pytest.raises(QuerySyntaxError) as caught:
        tokenize("ASK { " + "?x " * MAX_TOKENS + "}")
    assert str(MAX_TOKENS) in caught.value.message


SPARQL_ALPHABET = list("SERVICELOADsilent<>{}()?$:._-#'\"\\ \n\tuU0123456789abcxyz@^|&=!,;*/+[]%")


@given(st.text(alphabet=st.sampled_from(SPARQL_ALPHABET), max_size=80))
@settings(max_examples=300, deadline=None)
def test_tokens_are_exact_ordered_slices_of_the_text(text: str) -> None:
    try:
        tokens = tokenize(text)
    except QuerySyntaxError:
        return  # an unterminated string: refused, which is fine
    position = 0
    for token in tokens:
        assert token.start >= position
        assert text[token.start : token.end] == token.text
        skipped = text[position : token.start]
        assert skipped.strip() == "" or skipped.lstrip().startswith("#")
        position = token.end
