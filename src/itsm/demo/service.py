"""Fill a database with the design note's example state through the real services.

4 users (an admin, a technician, two end users); 5 tickets (open 4, in_progress 1;
critical 3, high 1, medium 1; hardware 3, network 1, software 1); 3 articles; a
few inventory items. Everything goes through the services, so numbers, audit
events and search indexes are exactly what real use produces.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from itsm.accounts import password_change
from itsm.errors import N_, Conflict
from itsm.inventory import service as inventory
from itsm.inventory.models import Asset
from itsm.inventory.schemas import AssetCreate
from itsm.kb import service as kb
from itsm.kb.schemas import ArticleCreate
from itsm.tickets import creation, queries
from itsm.tickets import service as tickets
from itsm.tickets.models import Status
from itsm.tickets.schemas import CommentCreate, TicketCreate
from itsm.users import service as users
from itsm.users.errors import UserNotFound
from itsm.users.models import User
from itsm.users.schemas import UserCreate
from itsm.wording import count

USERS = [
    ("admin", "Laura Gómez", "admin", "IT"),
    ("tech", "Carlos Ruiz", "technician", "IT"),
    ("ana", "Ana Torres", "user", "Contabilidad"),
    ("pedro", "Pedro Sánchez", "user", "Ventas"),
]

# title, description, category, priority, requester, asset tag
TICKETS = [
    (
        "Monitor no funciona",
        "El monitor de la recepción no enciende desde esta mañana.",
        "hardware",
        "critical",
        "ana",
        "MON-0001",
    ),
    (
        "Servidor de archivos no responde",
        "Nadie en Ventas puede abrir la unidad compartida S:.",
        "hardware",
        "critical",
        "pedro",
        "SRV-0001",
    ),
    (
        "Disco lleno en el PC de contabilidad",
        "Aviso de espacio insuficiente; la búsqueda de facturas falla.",
        "hardware",
        "critical",
        "ana",
        "PC-0001",
    ),
    (
        "Sin conexión Wi-Fi en la sala de reuniones",
        "Los portátiles no ven la red corporativa.",
        "network",
        "high",
        "pedro",
        None,
    ),
    (
        "Excel se cierra al abrir archivos grandes",
        "Excel se cierra sin mensaje con ficheros de más de 50 MB.",
        "software",
        "medium",
        "ana",
        None,
    ),
]

ARTICLES = [
    (
        "Cómo liberar espacio en disco",
        "hardware",
        ["disco", "windows"],
        "# Liberar espacio\n\n1. Vacía la papelera.\n2. Ejecuta *Liberador de espacio*.\n"
        "3. Mueve archivos grandes a la unidad de red.\n",
    ),
    (
        "Conectarse a la Wi-Fi corporativa",
        "network",
        ["wifi", "red"],
        "# Wi-Fi corporativa\n\nElige la red **CORP** e inicia sesión con tu usuario de dominio.\n",
    ),
    (
        "Restablecer tu contraseña",
        "account",
        ["contraseña", "password"],
        "# Contraseña olvidada\n\nUsa el portal de autoservicio o pide ayuda a IT.\n",
    ),
]

ASSETS = [
    ("PC-0001", "desktop", "pc-contab-01", "Dell", "OptiPlex 7090", "ana"),
    ("MON-0001", "monitor", None, "LG", "24MK430H", "ana"),
    ("SRV-0001", "server", "fileserver", "HPE", "ProLiant DL380", None),
    ("LAP-0001", "laptop", "lap-ventas-01", "Lenovo", "ThinkPad T14", "pedro"),
]


@dataclass
class DemoLogin:
    """A demo user's login for the web app and the API: their password, made at load."""

    username: str
    role: str
    password: str


@dataclass
class DemoResult:
    users: int
    tickets: int
    articles: int
    assets: int
    logins: list[DemoLogin] = field(default_factory=list)


def has_data(session: Session) -> bool:
    return users.count_users(session) > 0


def load_demo(session: Session, *, zone: ZoneInfo, force: bool = False) -> DemoResult:
    if has_data(session) and not force:
        raise Conflict(
            N_(
                "the database already has data (%(users)s, %(tickets)s); use --force to "
                "add the demo data anyway"
            ),
            users=count(users.count_users(session), "user"),
            tickets=count(queries.stats(session).total, "ticket"),
        )
    people: dict[str, User] = {}
    logins: list[DemoLogin] = []
    for name, full, role, dept in USERS:
        people[name], made = _user(session, name, full, role, dept)
        if made:
            # A random password, shown once by whoever loads the demo; users who were
            # there already keep theirs.
            login = DemoLogin(username=name, role=role, password=secrets.token_urlsafe(9))
            new = password_change.new_password(login.password)
            password_change.set_password(session, ref=name, password=new)
            logins.append(login)
    admin, tech = people["admin"], people["tech"]
    assets: dict[str, Asset] = {}
    added_assets = 0
    for tag, kind, host, maker, model, owner in ASSETS:
        existing = session.scalar(select(Asset).where(Asset.asset_tag == tag))
        if existing is None:
            existing = inventory.create_asset(
                session,
                data=AssetCreate(
                    asset_tag=tag,
                    asset_type=kind,
                    hostname=host,
                    manufacturer=maker,
                    model=model,
                    owner_id=people[owner].id if owner else None,
                ),
            )
            added_assets += 1
        assets[tag] = existing
    created = []
    for title, desc, cat, prio, requester, linked in TICKETS:
        data = TicketCreate(
            title=title,
            description=desc,
            category=cat,
            priority=prio,
            requester_id=people[requester].id,
            asset_id=assets[linked].id if linked else None,
        )
        created.append(
            creation.create_ticket(session, data=data, actor=people[requester], zone=zone)
        )
    server = created[1]
    tickets.assign(session, ref=server.id, assignee_ref=tech.id, actor=admin)
    tickets.change_status(session, ref=server.id, status=Status.IN_PROGRESS, actor=tech)
    tickets.add_comment(
        session,
        ref=server.id,
        actor=tech,
        data=CommentCreate(
            body="Reiniciando el servicio SMB; reviso los registros.", time_spent_minutes=15
        ),
    )
    tickets.assign(session, ref=created[0].id, assignee_ref=tech.id, actor=admin)
    for title, cat, tags, body in ARTICLES:
        kb.create_article(
            session,
            data=ArticleCreate(title=title, body=body, category=cat, tags=tags, author_id=tech.id),
        )
    return DemoResult(
        users=len(USERS),
        tickets=len(TICKETS),
        articles=len(ARTICLES),
        assets=added_assets,
        logins=logins,
    )


def _user(
    session: Session, username: str, full_name: str, role: str, dept: str
) -> tuple[User, bool]:
    """The demo user ``username``, made if missing; whether it was made now."""
    try:
        return users.get_user(session, ref=username), False
    except UserNotFound:
        data = UserCreate(
            username=username,
            full_name=full_name,
            role=role,
            email=f"{username}@example.org",
            department=dept,
        )
        return users.create_user(session, data=data), True
