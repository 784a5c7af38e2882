from faxgw.cli import build_parser, main


def test_help_lists_command_groups(capsys):
    assert main([]) == 2
    out = capsys.readouterr().out
    assert "usage: faxgw" in out


def test_parser_builds_every_registered_group():
    # A group whose module is present but broken must fail loudly here, not in production.
    parser = build_parser()
    assert parser.prog == "faxgw"


def _commands(parser) -> set[str]:
    import argparse

    [action] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return set(action.choices)


def test_every_command_word_loads_the_group_that_owns_it():
    # `faxgw status` loads only the client's group; a command missing from COMMAND_OWNERS
    # would still work through the full parser, but slowly: this keeps the table whole.
    from faxgw.cli import COMMAND_OWNERS

    assert _commands(build_parser()) == set(COMMAND_OWNERS)
    for command in COMMAND_OWNERS:
        assert command in _commands(build_parser(command))

