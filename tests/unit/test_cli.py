from faxgw.cli import build_parser, main


def test_help_lists_command_groups(capsys):
    assert main([]) == 2
    out = capsys.readouterr().out
    assert "usage: faxgw" in out


def test_parser_builds_every_registered_group():
    # A group whose module is present but broken must fail loudly here, not in production.
    parser = build_parser()
    assert parser.prog == "faxgw"
