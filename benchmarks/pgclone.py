"""Clone a real case's rows in SQL, with fresh ids and a genuine hash chain; count firings.

Loading a million cases through ``Engine.start`` takes hours; :func:`clone` copies one
case the engine made into `count` new ones inside PostgreSQL (``generate_series``), keeping
every invariant ``verify`` checks:

- each clone has its own id (16 hex digits, like the engine's) and its own data (the
  template's marker text followed by the clone's number, in the case data and in the start
  entry's payload);
- its journal rows are the template's with the case id, the payload and the links
  changed, each hash recomputed in SQL (``sha256`` of the canonical text the store hashes,
  built in Python by :func:`policyflow.store.journal.hashed_text` with placeholders), so
  the chain runs from GENESIS to the case row's ``last_hash``;
- its ``ledger`` row names its first hash; its ``timers`` and ``case_keys`` rows are the
  template's under the new id.

:func:`timer_firings` counts, from the journal itself, how many times each deadline fired.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from policyflow.store.journal import GENESIS, hashed_text, row_hash

ID, PREV = "@@case-id@@", "@@prev-hash@@"


def _columns(connection: Any, table: str) -> list[str]:
    rows = connection.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = %s "
        "ORDER BY ordinal_position",
        (table,),
    ).fetchall()
    return [row[0] for row in rows]


def _rows(connection: Any, sql: str, parameters: tuple[Any, ...]) -> list[dict[str, Any]]:
    cursor = connection.execute(sql, parameters)
    names = [column.name for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def clone_ids_sql(seed: str) -> str:
    """The SQL expression of clone number ``n``'s id under `seed`: 16 hex digits."""
    return f"substr(md5('{seed}:' || n), 1, 16)"


def clone(connection: Any, template: str, count: int, *, seed: str, marker: str) -> None:
    """Insert `count` clones of case `template` (one transaction; the caller commits).

    Args:
        connection: a psycopg connection to the engine's database (not in autocommit).
        template: the id of a case made by the engine, with no parent and no children.
        count: how many clones.
        seed: makes the clones' ids (:func:`clone_ids_sql`); different for each batch.
        marker: text that occurs in the template's data and start payload only (an
            applicant's name); each clone has it followed by its number.
    """
    journal = _rows(
        connection, "SELECT * FROM journal WHERE case_id = %s ORDER BY sequence", (template,)
    )
    (case,) = _rows(connection, "SELECT * FROM cases WHERE id = %s", (template,))
    if case["parent_id"] is not None:
        raise ValueError(f"case {template} has a parent: clone a case without one")
    texts = []
    for entry in journal:
        if row_hash(entry) != entry["hash"]:
            raise ValueError(f"the template's entry {entry['sequence']} does not verify")
        first = entry["sequence"] == 1
        text = hashed_text({**entry, "case_id": ID, "prev_hash": GENESIS if first else PREV})
        if template in text or text.count(marker) != entry["payload"].count(marker):
            raise ValueError(f"entry {entry['sequence']}: the id or marker occurs elsewhere")
        texts.append(text)
    # the chain: h1 from the first text, h2 from the second with h1 as its link, …
    chain = f"SELECT n, {clone_ids_sql(seed)} AS id FROM generate_series(1, %(count)s) AS n"
    parameters: dict[str, Any] = {"count": count, "marker": marker, "id": ID, "prev": PREV}
    for number, text in enumerate(texts, 1):
        link = "prev" if number == 1 else f"h{number - 1}"
        parameters[f"t{number}"] = text
        chain = (
            f"SELECT s.*, encode(sha256(convert_to(replace(replace(replace(%(t{number})s, "
            f"%(id)s, s.id), %(prev)s, {'%(prev)s' if number == 1 else 's.' + link}), "
            f"%(marker)s, %(marker)s || s.n), 'UTF8')), 'hex') AS h{number} FROM ({chain}) s"
        )
    connection.execute("DROP TABLE IF EXISTS pf_chain")
    connection.execute(f"CREATE TEMP TABLE pf_chain AS {chain}", parameters)
    last = f"ch.h{len(texts)}"
    own = {"id": "ch.id", "case_id": "ch.id", "last_hash": last}
    renamed = "replace(t.{0}, %(marker)s, %(marker)s || ch.n)"
    select = ", ".join(
        own.get(c, renamed.format(c) if c == "data" else f"t.{c}")
        for c in _columns(connection, "cases")
    )
    connection.execute(
        f"INSERT INTO cases SELECT {select} FROM pf_chain ch CROSS JOIN cases t "
        "WHERE t.id = %(template)s",
        {"template": template, "marker": marker},
    )
    for number in range(1, len(texts) + 1):
        link = "t.prev_hash" if number == 1 else f"ch.h{number - 1}"
        columns = {
            "case_id": "ch.id",
            "prev_hash": link,
            "hash": f"ch.h{number}",
            "payload": renamed.format("payload"),
        }
        select = ", ".join(columns.get(c, f"t.{c}") for c in _columns(connection, "journal"))
        connection.execute(
            f"INSERT INTO journal SELECT {select} FROM pf_chain ch CROSS JOIN journal t "
            "WHERE t.case_id = %(template)s AND t.sequence = %(sequence)s",
            {"template": template, "sequence": number, "marker": marker},
        )
    connection.execute("INSERT INTO ledger (case_id, first_hash) SELECT id, h1 FROM pf_chain")
    for table in ("timers", "case_keys"):
        select = ", ".join(
            "ch.id" if c == "case_id" else f"t.{c}" for c in _columns(connection, table)
        )
        connection.execute(
            f"INSERT INTO {table} SELECT {select} FROM pf_chain ch CROSS JOIN {table} t "
            "WHERE t.case_id = %(template)s",
            {"template": template},
        )
    connection.execute("DROP TABLE pf_chain")


def timer_firings(connection: Any, now: datetime) -> dict[str, int]:
    """What the journal and the timers say about expiries, counted in SQL.

    Returns:
        ``fired``: journal timer changes with action ``fired``; ``fired_twice``: deadlines
        (case, name) fired by more than one entry; ``status_without_entry``: timers whose
        status is ``fired`` with no such entry; ``entry_without_status``: entries whose
        deadline has no ``fired`` timer; ``lost``: armed timers whose ``expires_at`` is at
        or before `now` (due and not fired); ``armed_later``: armed timers due after `now`.
    """
    row = connection.execute(
        """
        WITH fired AS (
            SELECT j.case_id, c->>'deadline' AS deadline, count(*) AS n
            FROM journal j CROSS JOIN LATERAL jsonb_array_elements(j.timer_changes::jsonb) c
            WHERE j.timer_changes LIKE '%%"fired"%%' AND c->>'action' = 'fired'
            GROUP BY 1, 2),
        status AS (
            SELECT case_id, deadline, count(*) FILTER (WHERE status = 'fired') AS f
            FROM timers GROUP BY 1, 2)
        SELECT
            (SELECT coalesce(sum(n), 0) FROM fired),
            (SELECT count(*) FROM fired WHERE n > 1),
            (SELECT count(*) FROM status s LEFT JOIN fired f USING (case_id, deadline)
             WHERE s.f > 0 AND f.n IS NULL),
            (SELECT count(*) FROM fired f LEFT JOIN status s USING (case_id, deadline)
             WHERE coalesce(s.f, 0) = 0),
            (SELECT count(*) FROM timers WHERE status = 'armed' AND expires_at <= %(now)s),
            (SELECT count(*) FROM timers WHERE status = 'armed' AND expires_at > %(now)s)
        """,
        {"now": now},
    ).fetchone()
    names = (
        "fired",
        "fired_twice",
        "status_without_entry",
        "entry_without_status",
        "lost",
        "armed_later",
    )
    return dict(zip(names, (int(value) for value in row), strict=True))
