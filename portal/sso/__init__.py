"""Single sign-on with OpenID Connect (Okta, Microsoft Entra ID, Google, Keycloak, GitLab...).

mozilla-django-oidc runs the authorization-code flow (state, nonce, PKCE, signature and expiry
checks); this package adds what it leaves out (discovery, issuer and audience checks, errors shown
as pages instead of 500s) and maps the signed-in identity to a catalog User the way Backstage's
sign-in resolvers do. Routes live under /login/sso/, which LoginRequiredMiddleware lets through.
"""
