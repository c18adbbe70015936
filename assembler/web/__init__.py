"""`pdpacket serve`: the web app over a folder of case folders (see docs/paralegal/web-app.md).

It calls `assembler.api` for everything it does with a case (validate, build,
check templates), so the command line and the browser give the same answers.
"""
