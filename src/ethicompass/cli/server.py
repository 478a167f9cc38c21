"""``ethicompass serve``, ``ethicompass users add``, ``ethicompass tokens new``, ``ethicompass access-code new``."""

from __future__ import annotations

from typing import Annotated

import typer

from ethicompass._console import OutputFormat, emit_json, emit_table, format_option, say

__all__ = ["register"]

users_app = typer.Typer(help="Users of the web server and API.", no_args_is_help=True)
tokens_app = typer.Typer(help="API tokens (argon2-hashed at rest, shown once).", no_args_is_help=True)
codes_app = typer.Typer(help="One-time access codes for the participant portal.", no_args_is_help=True)


def serve(
    host: Annotated[
        str, typer.Option("--host", help="Address to listen on (loopback by default).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="TCP port.")] = 8000,
    insecure_cookies: Annotated[
        bool,
        typer.Option("--insecure-cookies", help="Allow cookies over plain HTTP (loopback testing only)."),
    ] = False,
) -> None:
    """Run the web server: JSON API under /api/v1, participant portal under /portal."""
    import uvicorn

    from ethicompass.cli._app import state_store
    from ethicompass.server import ServerSettings, create_app

    store = state_store()
    app = create_app(store, settings=ServerSettings.from_env(secure_cookies=not insecure_cookies))
    say(f"serving on http://{host}:{port} (start page /, staff sign-in /staff/login, API docs /docs)")
    uvicorn.run(app, host=host, port=port, access_log=False, log_level="warning")


@users_app.command("add")
def users_add(
    name: Annotated[str, typer.Argument(help="User name (for staff: their login; never a participant id).")],
    role: Annotated[
        str,
        typer.Option(
            "--role",
            help="participant, investigator, data_manager, reviewer, admin or site (a site user is named after its site).",
        ),
    ],
    participant: Annotated[
        str | None,
        typer.Option("--participant", help="For a participant user: the participant id it acts for."),
    ] = None,
    fmt: OutputFormat = format_option(),
) -> None:
    """Create a user with one role."""
    from ethicompass.accounts import add_user
    from ethicompass.cli._app import state_store
    from ethicompass.transparency import AuditAction, audited

    with audited(state_store()) as audit:  # the user and its audit entry commit together
        user = add_user(audit.store, name, role=role, participant=participant, conn=audit.conn)
        audit.append(
            action=AuditAction.SERVER_USER_ADD,
            object_type="user",
            object_id=f"user:{user.id}",
            params={"role": role},
        )
    if fmt == OutputFormat.json:
        emit_json({"name": user.name, "role": user.role})
    else:
        say(f"added {user.role} user {user.name}")


@users_app.command("password")
def users_password(
    name: Annotated[str, typer.Argument(help="The staff user who will sign in to the web pages.")],
    fmt: OutputFormat = format_option(),
) -> None:
    """Set a staff user's web sign-in password: typed at a prompt (twice), or one line on stdin; never argv.

    The password is stored only as an argon2id hash; the user's open page sessions end.
    """
    import sys

    from ethicompass.accounts import set_password
    from ethicompass.cli._app import state_store
    from ethicompass.errors import InputError
    from ethicompass.transparency import AuditAction, audited

    if sys.stdin.isatty():
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True, err=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise InputError("no password on standard input", hint="pipe one line, or run it at a terminal")
    with audited(state_store()) as audit:
        user = set_password(audit.store, name, password, conn=audit.conn)
        audit.append(action=AuditAction.SERVER_PASSWORD_SET, object_type="user", object_id=f"user:{user.id}")
    if fmt == OutputFormat.json:
        emit_json({"name": user.name, "password_set": True})
    else:
        say(f"set the password of {user.name}; their open page sessions ended")


@users_app.command("full-name")
def users_full_name(
    name: Annotated[str, typer.Argument(help="The user (their login name).")],
    full_name: Annotated[str, typer.Argument(help="The person's name, as printed on certificates.")],
    fmt: OutputFormat = format_option(),
) -> None:
    """Record a user's full name (printed on the training certificates issued to them from now on)."""
    from ethicompass.accounts import get_user, set_full_name
    from ethicompass.cli._app import state_store
    from ethicompass.transparency import AuditAction, audited

    with audited(state_store()) as audit:
        set_full_name(audit.store, name, full_name, conn=audit.conn)
        user = get_user(audit.store, name, conn=audit.conn)
        audit.append(action=AuditAction.SERVER_FULL_NAME_SET, object_type="user", object_id=f"user:{user.id}")
    if fmt == OutputFormat.json:
        emit_json({"name": user.name, "full_name_set": True})
    else:
        say(f"recorded the full name of {user.name}")


@tokens_app.command("new")
def tokens_new(
    user: Annotated[str, typer.Argument(help="The user the token authenticates.")],
    days: Annotated[int, typer.Option("--days", min=1, help="Days until the token expires.")] = 90,
    fmt: OutputFormat = format_option(),
) -> None:
    """Issue an API token for a user; it is printed once and stored only as an argon2 hash."""
    from ethicompass.accounts import issue_token
    from ethicompass.cli._app import state_store
    from ethicompass.transparency import AuditAction, audited

    with audited(state_store()) as audit:  # the token exists only if its audit entry does
        token = issue_token(audit.store, user, days=days, conn=audit.conn)
        audit.append(
            action=AuditAction.SERVER_TOKEN_NEW,
            object_type="token",
            object_id=token.split("_")[1],
            params={"days": days},
        )
    if fmt == OutputFormat.json:
        emit_json({"token": token})
    else:
        typer.echo(token)


@tokens_app.command("list")
def tokens_list(
    user: Annotated[str | None, typer.Option("--user", help="Only this user's tokens.")] = None,
    fmt: OutputFormat = format_option(),
) -> None:
    """List API tokens: id, user, role, when made, when they expire, whether revoked (never a secret)."""
    from ethicompass.accounts import list_tokens
    from ethicompass.cli._app import state_store

    found = list_tokens(state_store(), user=user)
    if fmt == OutputFormat.json:
        emit_json(found)
        return
    cols = ["id", "user", "role", "created_at", "expires_at", "revoked_at"]
    emit_table("API tokens", cols, [[t[c] or "" for c in cols] for t in found])


@tokens_app.command("revoke")
def tokens_revoke(
    token_id: Annotated[str, typer.Argument(help="The token id (the part after ect_; see `tokens list`).")],
    fmt: OutputFormat = format_option(),
) -> None:
    """Revoke an API token at once, and end every reviewer or staff page session opened with it."""
    from ethicompass.accounts import revoke_token
    from ethicompass.cli._app import state_store
    from ethicompass.transparency import AuditAction, audited

    with audited(state_store()) as audit:
        revoke_token(audit.store, token_id, conn=audit.conn)
        audit.append(action=AuditAction.SERVER_TOKEN_REVOKE, object_type="token", object_id=token_id)
    if fmt == OutputFormat.json:
        emit_json({"revoked": token_id})
    else:
        say(f"revoked token {token_id}")


@codes_app.command("new")
def access_code_new(
    participant: Annotated[str, typer.Option("--participant", "-p", help="The participant who signs in.")],
    minutes: Annotated[int, typer.Option("--minutes", min=1, help="Minutes until the code expires.")] = 15,
    fmt: OutputFormat = format_option(),
) -> None:
    """Issue a one-time portal access code for a participant (hand it over privately)."""
    from ethicompass.accounts import issue_access_code
    from ethicompass.cli._app import state_store
    from ethicompass.transparency import AuditAction, audited

    with audited(state_store()) as audit:
        code, expires = issue_access_code(audit.store, participant, minutes=minutes, conn=audit.conn)
        audit.append(action=AuditAction.SERVER_ACCESS_CODE_NEW, object_type="access_code", object_id=code[:4])
    if fmt == OutputFormat.json:
        emit_json({"code": code, "expires_at": expires})
    else:
        typer.echo(code)


def register(app: typer.Typer) -> None:
    """Add ``serve``, ``users``, ``tokens`` and ``access-code`` to the ``ethicompass`` app."""
    app.command("serve")(serve)
    app.add_typer(users_app, name="users")
    app.add_typer(tokens_app, name="tokens")
    app.add_typer(codes_app, name="access-code")
