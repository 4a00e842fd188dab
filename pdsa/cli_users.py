"""``python -m pdsa user add | passwd | disable | enable | role | list``: accounts on the command line.

The command line acts as an administrator recorded under the operating-system user's name:
whoever can open the database can change it anyway. Passwords are asked twice without echo,
or read from standard input with ``--password-stdin``; never taken as an argument (it would
stay in the shell's history and the process list).
"""

from __future__ import annotations

import argparse
import getpass
import sys

from pdsa.core.vocabulary import USER_ROLES


def add_user_parser(commands, add_db_option) -> None:
    user = commands.add_parser("user", help="accounts: add, passwd, disable, enable, role, list")
    actions = user.add_subparsers(dest="user_command", required=True)

    add = actions.add_parser("add", help="create an account")
    add.add_argument("username")
    add.add_argument("--name", required=True, help="the name others see (display name)")
    add.add_argument("--role", action="append", choices=USER_ROLES, default=[], help="a role (repeat for several)")
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    add.add_argument("--no-password", action="store_true", help="no password: signs in only with single sign-on")

    passwd = actions.add_parser("passwd", help="set a new password")
    passwd.add_argument("username")
    passwd.add_argument("--password-stdin", action="store_true")

    for name, text in (("disable", "close an account (it can no longer sign in)"), ("enable", "open it again")):
        sub = actions.add_parser(name, help=text)
        sub.add_argument("username")

    role = actions.add_parser("role", help="set an account's roles (replaces them)")
    role.add_argument("username")
    role.add_argument("roles", nargs="*", choices=USER_ROLES)

    actions.add_parser("list", help="the accounts and their roles")
    for parser in (add, passwd, role, *[actions.choices[n] for n in ("disable", "enable", "list")]):
        add_db_option(parser)
    user.set_defaults(run=run_user)


def _password(args) -> str:
    if getattr(args, "password_stdin", False):
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("New password: ")
    if getpass.getpass("Again: ") != first:
        raise ValueError("password: the two passwords differ")
    return first


def run_user(args: argparse.Namespace) -> int:
    from actions.accounts import create_user, disable_user, set_user_password, set_user_roles
    from actions.actor import Actor
    from pdsa.core.db import open_database, resolve_db_path
    from pdsa.store.users import find_user, list_users

    actor = Actor.command_line()
    location = resolve_db_path(args.db)
    database = open_database(location)
    try:
        cur = database.cursor()
        if args.user_command == "list":
            for user in list_users(cur):
                state = " (closed)" if user.disabled else ""
                print(f"{user.username}\t{user.display_name}\t{', '.join(sorted(user.roles)) or '-'}{state}")
            return 0
        if args.user_command == "add":
            password = None if args.no_password else _password(args)
            user = create_user(cur, actor, username=args.username, display_name=args.name, roles=set(args.role),
                               password=password)
            print(f"Created {user.username} ({', '.join(sorted(user.roles)) or 'no role yet'}).")
            return 0
        user = find_user(cur, args.username)
        if user is None:
            print(f"There is no account {args.username!r}.", file=sys.stderr)
            return 1
        if args.user_command == "passwd":
            set_user_password(cur, actor, user.id, _password(args))
            print(f"The password of {user.username} is changed.")
        elif args.user_command in ("disable", "enable"):
            disable_user(cur, actor, user.id, args.user_command == "disable")
            print(f"{user.username} is {'closed' if args.user_command == 'disable' else 'open again'}.")
        elif args.user_command == "role":
            updated = set_user_roles(cur, actor, user.id, set(args.roles))
            print(f"{updated.username}: {', '.join(sorted(updated.roles)) or 'no role'}.")
        return 0
    except ValueError as exc:
        print(f"Nothing was changed: {exc}", file=sys.stderr)
        return 2
    finally:
        database.close()
