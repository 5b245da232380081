"""The Desk's knowledge base, team templates, usage counts and similar-ticket search.

`LibraryDesk` is a part of `Desk` (it inherits this class): the same transactions, the same
rules — every write checks the actor's role and is one transaction with an event.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from supportdesk.core import textsearch
from supportdesk.core.enums import Direction, Role
from supportdesk.core.plaintext import one_line
from supportdesk.core.templates import KbLink, TemplateDef, TemplateError, check_body
from supportdesk.store import dto, search
from supportdesk.store.dto import ArticleDoc
from supportdesk.store.models import (
    Agent,
    Customer,
    KbArticle,
    Message,
    Template,
    TemplateUsage,
    Ticket,
)

if TYPE_CHECKING:
    from supportdesk.store.teamsettings import TeamSettings

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,199}$")
SOLVED = ("solved", "closed")
_REPLY_PREFIX = re.compile(r"^(?:\s*(?:re|odp|fw|fwd|ответ)\s*:\s*)+", re.I)


def normalize_body(body: str) -> str:
    """Bodies are stored as files hold them: no leading or trailing blank lines, one final
    newline. So import -> export -> import changes nothing."""
    return body.strip("\n") + "\n"


def validate_article(doc: ArticleDoc) -> ArticleDoc:
    from supportdesk.store.desk import InvalidInput

    slug = doc.slug.strip()
    if not SLUG.match(slug):
        raise InvalidInput(
            f"slug {doc.slug!r}: lower-case letters, digits and dashes (e.g. call-recording-pl)"
        )
    title = " ".join(doc.title.split())
    if not title:
        raise InvalidInput(f"{slug}: the title is empty")
    if len(title) > 500:
        raise InvalidInput(f"{slug}: the title is longer than 500 characters")
    if not doc.body.strip():
        raise InvalidInput(f"{slug}: the article has no text")
    language = doc.language.strip() or "en"
    if not re.match(r"^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})?$", language):
        raise InvalidInput(f"{slug}: language {doc.language!r}: expected a code such as en, pl, ru")
    tags = tuple(dict.fromkeys(t.strip() for t in doc.tags if t.strip()))
    return ArticleDoc(slug, title, normalize_body(doc.body), language, tags, bool(doc.internal))


class LibraryDesk:
    """Mixed into Desk; relies on its transaction helpers."""

    if TYPE_CHECKING:
        agent_name: str | None

        def _reading(self) -> AbstractContextManager[Session]: ...
        def _writing(self, *, needs_agent: bool = True) -> AbstractContextManager[Any]: ...
        def _settings(self, session: Session) -> TeamSettings: ...
        def _maybe_agent(self, session: Session) -> Agent | None: ...
        def _event(
            self, write: Any, kind: str, ticket: Ticket | None = None, **data: Any
        ) -> None: ...
        def _ticket_for_update(self, write: Any, number: int) -> Ticket: ...

    # -- knowledge base: reading ------------------------------------------------------------

    def list_articles(
        self, *, language: str | None = None, include_internal: bool = True
    ) -> list[dto.KbArticleInfo]:
        with self._reading() as session:
            stmt = select(KbArticle).order_by(KbArticle.language, KbArticle.title)
            if language:
                stmt = stmt.where(KbArticle.language == language)
            if not include_internal:
                stmt = stmt.where(KbArticle.internal.is_(False))  # type: ignore[attr-defined]
            rows = session.scalars(stmt).all()
            return self._article_infos(session, rows)

    def get_article(self, slug: str) -> dto.KbArticleInfo:
        from supportdesk.store.desk import NotFound

        with self._reading() as session:
            row = session.scalars(select(KbArticle).where(KbArticle.slug == slug)).first()
            if row is None:
                raise NotFound(f"no knowledge-base article {slug!r}")
            return self._article_infos(session, [row])[0]

    def kb_links(self) -> dict[str, KbLink]:
        """Every article's public address, title and visibility: what kb("slug") needs."""
        with self._reading() as session:
            settings = self._settings(session)
            rows = session.execute(
                select(KbArticle.slug, KbArticle.title, KbArticle.internal)
            ).all()
            return {
                slug: KbLink(settings.kb_url(slug), title, bool(internal))
                for slug, title, internal in rows
            }

    def search_kb(
        self,
        text: str,
        *,
        language: str | None = None,
        include_internal: bool = True,
        limit: int = 20,
    ) -> dto.KbResults:
        """Articles for what a person typed, best first, with highlighted snippets. Nothing a
        person types makes it fail: words are words. When no article has every word, the
        articles with some of them are given (mode "any")."""
        query = textsearch.parse_query(text)
        with self._reading() as session:
            ranked = search.search_kb(
                session, query, language=language, include_internal=include_internal, limit=limit
            )
            mode = "all"
            if not ranked and len(query.terms) > 1:
                query = textsearch.Query(query.terms, "any")
                ranked = search.search_kb(
                    session,
                    query,
                    language=language,
                    include_internal=include_internal,
                    limit=limit,
                )
                mode = "any"
            if not ranked:
                return dto.KbResults(text, (), mode)
            rows = {
                r.id: r
                for r in session.scalars(
                    select(KbArticle).where(KbArticle.id.in_([h.id for h in ranked]))  # type: ignore[union-attr]
                )
            }
            infos = {i.id: i for i in self._article_infos(session, list(rows.values()))}
        hits = []
        for hit in ranked:
            info = infos[hit.id]
            piece = textsearch.snippet(info.body, query)
            hits.append(dto.KbHit(info, hit.score, piece.text, piece.hits))
        return dto.KbResults(text, tuple(hits), mode)

    def _article_infos(
        self, session: Session, rows: Sequence[KbArticle]
    ) -> list[dto.KbArticleInfo]:
        settings = self._settings(session)
        author_ids = {r.author_id for r in rows if r.author_id}
        names = (
            dict(
                session.execute(select(Agent.id, Agent.name).where(Agent.id.in_(author_ids))).all()
            )  # type: ignore[union-attr]
            if author_ids
            else {}
        )
        return [
            dto.KbArticleInfo(
                id=r.id,  # type: ignore[arg-type]
                slug=r.slug,
                title=r.title,
                body=r.body,
                language=r.language,
                tags=tuple(r.tags or ()),
                internal=bool(r.internal),
                author=names.get(r.author_id) if r.author_id else None,
                created_at=r.created_at,
                updated_at=r.updated_at,
                url=settings.kb_url(r.slug),
            )
            for r in rows
        ]

    # -- knowledge base: writing ------------------------------------------------------------

    def _require_writer(self, write: Any) -> Agent:
        from supportdesk.store.desk import NotPermitted

        actor = write.actor
        assert actor is not None
        if actor.role == Role.TRAINEE:
            raise NotPermitted(
                f"{actor.display_name} is a trainee; a trainee may not write knowledge-base "
                "articles (ask your mentor)"
            )
        return actor

    def save_article(
        self,
        doc: ArticleDoc,
        *,
        original_slug: str | None = None,
        expected_updated_at: datetime | None = None,
    ) -> dto.KbArticleInfo:
        """Create an article, or change the one now at `original_slug` (renaming it if the slug
        changed). `expected_updated_at` refuses the change if someone saved it meanwhile."""
        from supportdesk.store.desk import Conflict, NotFound, StaleTicket

        doc = validate_article(doc)
        with self._writing() as write:
            actor = self._require_writer(write)
            session: Session = write.session
            existing = session.scalars(select(KbArticle).where(KbArticle.slug == doc.slug)).first()
            if original_slug is None:
                if existing is not None:
                    raise Conflict(f"an article with slug {doc.slug!r} exists already")
                row = _new_article_row(doc, actor.id, write.now)
                session.add(row)
                kind = "kb_created"
            else:
                row = session.scalars(
                    select(KbArticle).where(KbArticle.slug == original_slug).with_for_update()
                ).first()
                if row is None:
                    raise NotFound(f"no knowledge-base article {original_slug!r}")
                if existing is not None and existing.id != row.id:
                    raise Conflict(f"an article with slug {doc.slug!r} exists already")
                if expected_updated_at is not None and row.updated_at != expected_updated_at:
                    raise StaleTicket(
                        f"{original_slug}: a colleague changed this article since you opened it; "
                        "reopen it to see their version",
                        (),
                    )
                _apply_article(row, doc, write.now)
                kind = "kb_updated"
            session.flush()
            self._event(write, kind, None, slug=doc.slug)
            return self._article_infos(session, [row])[0]

    def delete_article(self, slug: str) -> None:
        from supportdesk.store.desk import NotFound

        with self._writing() as write:
            self._require_writer(write)
            row = write.session.scalars(select(KbArticle).where(KbArticle.slug == slug)).first()
            if row is None:
                raise NotFound(f"no knowledge-base article {slug!r}")
            write.session.delete(row)
            write.session.flush()
            self._event(write, "kb_deleted", None, slug=slug)

    def import_articles(self, docs: Sequence[ArticleDoc]) -> dto.KbImportResult:
        """Create or update articles by slug, all in one transaction (all or nothing)."""
        from supportdesk.store.desk import InvalidInput

        checked = [validate_article(d) for d in docs]
        slugs = [d.slug for d in checked]
        doubles = sorted({s for s in slugs if slugs.count(s) > 1})
        if doubles:
            raise InvalidInput(f"the same slug twice: {', '.join(doubles)}")
        created, updated, unchanged = [], [], []
        with self._writing() as write:
            actor = self._require_writer(write)
            session: Session = write.session
            rows = {
                r.slug: r
                for r in session.scalars(select(KbArticle).where(KbArticle.slug.in_(slugs)))  # type: ignore[attr-defined]
            }
            for doc in checked:
                row = rows.get(doc.slug)
                if row is None:
                    session.add(_new_article_row(doc, actor.id, write.now))
                    created.append(doc.slug)
                elif _article_doc(row) == doc:
                    unchanged.append(doc.slug)
                else:
                    _apply_article(row, doc, write.now)
                    updated.append(doc.slug)
            session.flush()
            if created or updated:
                self._event(write, "kb_imported", None, created=created, updated=updated)
        return dto.KbImportResult(tuple(created), tuple(updated), tuple(unchanged))

    def export_articles(self) -> list[ArticleDoc]:
        with self._reading() as session:
            rows = session.scalars(select(KbArticle).order_by(KbArticle.slug)).all()
            return [_article_doc(r) for r in rows]

    def draft_article_from_reply(self, message_id: int) -> dto.KbArticleInfo:
        """A sent reply becomes a draft article (internal, tagged `draft`) to edit and publish."""
        from supportdesk.store.desk import InvalidInput, NotFound

        with self._reading() as session:
            found = session.execute(
                select(Message, Ticket, Customer.language)
                .join(Ticket, Ticket.id == Message.ticket_id)  # type: ignore[arg-type]
                .join(Customer, Customer.id == Ticket.customer_id)  # type: ignore[arg-type]
                .where(Message.id == message_id)
            ).first()
            if found is None:
                raise NotFound(f"no message {message_id}")
            message, ticket, language = found
            if message.direction != Direction.OUTBOUND or message.agent_id is None:
                raise InvalidInput("only an agent's reply can become an article")
            me = self._maybe_agent(session)
            subject = _REPLY_PREFIX.sub("", ticket.subject)
            base = _slugify(subject) or f"ticket-{ticket.number}"
            slug = f"draft-{base}"[:180]
            taken = set(
                session.scalars(select(KbArticle.slug).where(KbArticle.slug.like(f"{slug}%")))  # type: ignore[attr-defined]
            )
        candidate, n = slug, 2
        while candidate in taken:
            candidate, n = f"{slug}-{n}", n + 1
        doc = ArticleDoc(
            slug=candidate,
            title=one_line(subject, 200) or f"Answer from #{ticket.number}",
            body=message.text,
            language=language or (me.language if me else "en"),
            tags=("draft",),
            internal=True,
        )
        return self.save_article(doc)

    # -- templates stored for the team ------------------------------------------------------

    def list_team_templates(self) -> tuple[list[TemplateDef], list[TemplateError]]:
        """Team templates from the database with this agent's and the team's use counts; a
        broken one is reported and left out."""
        usage = self.template_usage()
        out: list[TemplateDef] = []
        errors: list[TemplateError] = []
        with self._reading() as session:
            rows = session.scalars(select(Template).order_by(Template.id)).all()
            me = self._maybe_agent(session)
        for row in rows:
            if row.scope == "personal" and (me is None or row.owner_id != me.id):
                continue
            key = f"team:{row.id}"
            mine, team = usage.get(key, (0, 0))
            try:
                template = check_body(
                    TemplateDef(
                        key=key,
                        source="team",
                        name=row.name,
                        body=row.body,
                        language=row.language,
                        shortcut=row.shortcut,
                        tags=tuple(row.tags or ()),
                        category=row.category,
                        set_status=row.set_status,
                        where=f"team template #{row.id} ({row.name})",
                        body_line=1,
                        usage=mine,
                        team_usage=max(team, row.usage_count),
                    )
                )
            except TemplateError as exc:
                errors.append(exc)
                continue
            out.append(template)
        return out, errors

    def template_usage(self) -> dict[str, tuple[int, int]]:
        """template key -> (my uses, the whole team's uses)."""
        with self._reading() as session:
            me = self._maybe_agent(session)
            rows = session.execute(
                select(TemplateUsage.template_key, TemplateUsage.agent_id, TemplateUsage.uses)
            ).all()
        out: dict[str, list[int]] = {}
        for key, agent_id, uses in rows:
            entry = out.setdefault(key, [0, 0])
            entry[1] += uses
            if me is not None and agent_id == me.id:
                entry[0] += uses
        return {k: (v[0], v[1]) for k, v in out.items()}

    def record_template_use(self, key: str) -> None:
        """Count one use of a template by the acting agent (the picker's order)."""
        with self._writing() as write:
            actor = write.actor
            assert actor is not None
            session: Session = write.session
            row = session.get(TemplateUsage, (actor.id, key))
            if row is None:
                session.add(
                    TemplateUsage(
                        agent_id=actor.id,  # type: ignore[arg-type]
                        template_key=key,
                        uses=1,
                        last_used_at=write.now,
                    )
                )
            else:
                row.uses += 1
                row.last_used_at = write.now
            if key.startswith("team:") and key[5:].isdigit():
                session.execute(
                    update(Template)
                    .where(Template.id == int(key[5:]))  # type: ignore[arg-type]
                    .values(usage_count=Template.usage_count + 1)
                )
            session.flush()

    def import_team_templates(self, templates: Sequence[TemplateDef]) -> dto.KbImportResult:
        """Store templates for the whole team (a lead): matched by language and shortcut (or
        name); all in one transaction."""
        from supportdesk.store.desk import NotPermitted

        created, updated, unchanged = [], [], []
        with self._writing() as write:
            actor = write.actor
            assert actor is not None
            if actor.role != Role.LEAD:
                raise NotPermitted(
                    f"{actor.display_name} is {'an' if actor.role == Role.AGENT else 'a'} "
                    f"{actor.role}; only a lead changes the team's "
                    "templates (your own go in your templates folder)"
                )
            session: Session = write.session
            rows = session.scalars(select(Template).where(Template.scope == "team")).all()
            index = {(r.language, textsearch.fold(r.shortcut or r.name)): r for r in rows}
            for t in templates:
                ident = (t.language, textsearch.fold(t.shortcut or t.name))
                label = f"{t.language}/{t.shortcut or t.name}"
                values = {
                    "name": t.name,
                    "shortcut": t.shortcut,
                    "language": t.language,
                    "tags": list(t.tags),
                    "category": t.category,
                    "set_status": t.set_status,
                    "body": normalize_body(t.body),
                }
                row = index.get(ident)
                if row is None:
                    row = Template(scope="team", updated_at=write.now, **values)
                    session.add(row)
                    index[ident] = row
                    created.append(label)
                elif all(getattr(row, k) == v for k, v in values.items()):
                    unchanged.append(label)
                else:
                    for k, v in values.items():
                        setattr(row, k, v)
                    row.updated_at = write.now
                    updated.append(label)
            session.flush()
            if created or updated:
                self._event(write, "templates_imported", None, created=created, updated=updated)
        return dto.KbImportResult(tuple(created), tuple(updated), tuple(unchanged))

    # -- similar tickets --------------------------------------------------------------------

    def similar_tickets(self, number: int, *, limit: int = 10) -> list[dto.SimilarTicket]:
        """Solved and closed tickets whose messages are most like this ticket's question."""
        from supportdesk.store.desk import NotFound

        with self._reading() as session:
            ticket = session.scalars(select(Ticket).where(Ticket.number == number)).first()
            if ticket is None:
                raise NotFound(f"there is no ticket #{number}")
            inbound = session.scalars(
                select(Message.text)
                .where(Message.ticket_id == ticket.id, Message.direction == Direction.INBOUND)
                .order_by(Message.created_at)
                .limit(3)
            ).all()
            query = textsearch.about(ticket.subject + "\n" + "\n".join(inbound))
            hits = search.search_messages(
                session, query, statuses=SOLVED, exclude_ticket_id=ticket.id, limit=200
            )
            best: dict[int, search.MessageHit] = {}
            for hit in hits:
                if hit.ticket_id not in best or hit.score > best[hit.ticket_id].score:
                    best[hit.ticket_id] = hit
            chosen = sorted(best.values(), key=lambda h: -h.score)[:limit]
            return list(self._similar(session, chosen, query))

    def _similar(
        self, session: Session, hits: Sequence[search.MessageHit], query: textsearch.Query
    ) -> Iterator[dto.SimilarTicket]:
        if not hits:
            return
        ticket_ids = [h.ticket_id for h in hits]
        tickets = {
            t.id: t
            for t in session.scalars(select(Ticket).where(Ticket.id.in_(ticket_ids)))  # type: ignore[union-attr]
        }
        customers = dict(
            session.execute(
                select(Customer.id, Customer.name).where(
                    Customer.id.in_({t.customer_id for t in tickets.values()})  # type: ignore[attr-defined]
                )
            ).all()
        )
        texts = dict(
            session.execute(
                select(Message.id, Message.text).where(
                    Message.id.in_([h.message_id for h in hits])  # type: ignore[attr-defined]
                )
            ).all()
        )
        # The first agent reply of each ticket: how a colleague answered.
        first_reply = (
            select(Message.ticket_id, func.min(Message.id).label("mid"))
            .where(
                Message.ticket_id.in_(ticket_ids),  # type: ignore[attr-defined]
                Message.direction == Direction.OUTBOUND,
                Message.agent_id.is_not(None),  # type: ignore[union-attr]
            )
            .group_by(Message.ticket_id)
            .subquery()
        )
        answers = {
            ticket_id: (text_, agent)
            for ticket_id, text_, agent in session.execute(
                select(first_reply.c.ticket_id, Message.text, Agent.name)
                .join(Message, Message.id == first_reply.c.mid)
                .join(Agent, Agent.id == Message.agent_id, isouter=True)  # type: ignore[arg-type]
            ).all()
        }
        for hit in hits:
            t = tickets[hit.ticket_id]
            piece = textsearch.snippet(texts.get(hit.message_id, ""), query, width=140)
            answer, by = answers.get(t.id, (None, None))
            yield dto.SimilarTicket(
                number=t.number,
                subject=t.subject,
                status=t.status,
                customer=customers.get(t.customer_id, ""),
                score=hit.score,
                snippet=piece.text,
                hits=piece.hits,
                answer=answer,
                answered_by=by,
                solved_at=t.solved_at,
            )


def _new_article_row(doc: ArticleDoc, author_id: int | None, now: datetime) -> KbArticle:
    row = KbArticle(author_id=author_id, created_at=now)
    _apply_article(row, doc, now)
    return row


def _apply_article(row: KbArticle, doc: ArticleDoc, now: datetime) -> None:
    """An article file's fields onto its row (creating it, saving it, importing it)."""
    row.slug, row.title, row.body = doc.slug, doc.title, doc.body
    row.language, row.tags, row.internal = doc.language, list(doc.tags), doc.internal
    row.updated_at = now


def _article_doc(row: KbArticle) -> ArticleDoc:
    return ArticleDoc(
        slug=row.slug,
        title=row.title,
        body=row.body,
        language=row.language,
        tags=tuple(row.tags or ()),
        internal=bool(row.internal),
    )


def _slugify(text: str) -> str:
    folded = textsearch.fold(text)
    translit = folded.translate(_CYRILLIC_LATIN)
    return "-".join(re.findall(r"[a-z0-9]+", translit))[:120]


_CYRILLIC_LATIN = str.maketrans(
    {
        **dict(zip("абвгдезийклмнопрстуфхцы", "abvgdezijklmnoprstufhcy", strict=True)),
        "ж": "zh",
        "ч": "ch",
        "ш": "sh",
        "щ": "sch",
        "ю": "yu",
        "я": "ya",
        "э": "e",
        "ь": "",
        "ъ": "",
    }
)
