"""The server: the TCP 2583 client protocol (and, later, UDP traps and auth).

`protocol` is the pure part: request lines in, reply text out. `pymon.escape` and
`words` hold mon's hex escaping and Perl's word splitting that it builds on.
"""
