"""`sigap fakeplatform`: one local HTTP server that plays every social platform Sigap talks to.

It speaks the wire formats of shared/reference/platform-apis.md (section numbers §n below point
there): the API endpoints Sigap's adapters call, with their auth checks, error bodies, text limits
and reply windows; the webhooks each platform sends, signed as each platform signs them; and a
citizen simulator that keeps the city's accounts busy. Used by `sigap run` for demos and by tests.

Nothing here is imported by Sigap itself except the demo account ids (`accounts`) and the
environment wiring (`wiring`).
"""
