"""Authentication and authorisation shared by the gateway and the feeds.

- ``tokens``: issue and verify RS256 JWTs (``TokenIssuer``, ``TokenVerifier``, ``Principal``);
- ``roles``: pure access decisions (``decide_submit``, ``decide_read``);
- ``audit``: one PERMIT/DENY line per data access (``AuditLog``);
- ``config``: ``AuthSettings`` from the environment → ``.verifier()``, ``.audit_log()``.
"""
