"""The one door into the ledger: every change and query the app, the command line or a script needs.

Each operation is a function ``op(ctx, ...)`` taking an ``OpContext`` (session, acting ``Actor``, clock,
audit writer) and returning plain data — for a change, an ``OpResult`` whose ``changes`` the core
computed.  ``context`` defines these; ``cases`` holds registration and the workflow steps, ``queries``
the reads behind the windows.
"""
