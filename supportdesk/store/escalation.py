"""The Desk's agent groups and escalations to the second line.

`EscalationDesk` is a part of `Desk` (it inherits this class): the same transactions, the same
rules — every write checks who acts and the ticket's version, is one transaction, and appends
to the event log so other consoles see it at once.

An escalation is a row per round. While a round is open the ticket belongs to the second-line
group (assigned to a chosen member, or to nobody: anyone of the group takes it); the escalating
agent stays on record as the first-line owner, and the ticket goes back to them when the round
ends — handed back (done) or returned as incomplete (with a comment saying what is missing).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from supportdesk.core import escalation as rules
from supportdesk.core import metrics
from supportdesk.core.enums import FINISHED_STATUSES, Role, Status
from supportdesk.store import dto
from supportdesk.store.escalationdto import (
    EscalationInfo,
    EscalationSetup,
    EscalationStats,
    EscalationStatsRow,
    GroupInfo,
)
from supportdesk.store.models import Agent as AgentRow
from supportdesk.store.models import AgentGroupMember, Escalation, Ticket

if TYPE_CHECKING:
    from supportdesk.store.teamsettings import TeamSettings

GROUP_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
MAX_FIELD_CHARACTERS = 20_000


def open_escalations() -> Any:
    """Ids of tickets with an escalation round waiting on the second line (a subquery)."""
    return select(Escalation.ticket_id).where(Escalation.state == "open")


class EscalationDesk:
    """Mixed into Desk; relies on its transaction helpers."""

    if TYPE_CHECKING:
        agent_name: str | None

        def _reading(self) -> AbstractContextManager[Session]: ...
        def _writing(self, *, needs_agent: bool = True) -> AbstractContextManager[Any]: ...
        def _settings(self, session: Session) -> TeamSettings: ...
        def _maybe_agent(self, session: Session) -> AgentRow | None: ...
        def _event(
            self, write: Any, kind: str, ticket: Ticket | None = None, **data: Any
        ) -> None: ...
        def _ticket_for_update(self, write: Any, number: int) -> Ticket: ...
        def _check_version(self, write: Any, ticket: Ticket, expected: int | None) -> None: ...
        def _touch(self, write: Any, ticket: Ticket) -> None: ...
        def _set_status(self, write: Any, ticket: Ticket, status: Status) -> None: ...
        def _summary(
            self, session: Session, ticket: Ticket, settings: TeamSettings, now: datetime
        ) -> dto.TicketSummary: ...
        @staticmethod
        def _require(write: Any, permission: str) -> AgentRow: ...
        def team_settings(self) -> TeamSettings: ...

    # -- groups -----------------------------------------------------------------------------

    def agent_groups(self) -> list[GroupInfo]:
        """Every group with its members (agent names), by group name."""
        with self._reading() as session:
            return _groups(session)

    def set_group_members(
        self, group: str, *, add: Iterable[str] = (), remove: Iterable[str] = ()
    ) -> GroupInfo:
        """Put agents into a group or take them out (leads only). A group exists while it has
        members."""
        from supportdesk.store.desk import InvalidInput, NotFound

        group = group.strip()
        if not GROUP_NAME.match(group):
            raise InvalidInput(
                f"group {group!r}: lower-case letters, digits, . _ - (e.g. second-line)"
            )
        to_add, to_remove = list(dict.fromkeys(add)), list(dict.fromkeys(remove))
        if not to_add and not to_remove:
            raise InvalidInput("nothing to do: name agents with --add NAME or --remove NAME")
        if both := sorted(set(to_add) & set(to_remove)):
            raise InvalidInput(f"{', '.join(both)}: both added and removed; choose one")
        with self._writing() as write:
            self._require(write, "manage_agents")
            session = write.session
            agents = {a.name: a for a in session.scalars(select(AgentRow))}
            for name in to_add + to_remove:
                if name not in agents:
                    raise NotFound(f"there is no agent named {name!r}")
            current = set(
                session.scalars(
                    select(AgentGroupMember.agent_id).where(AgentGroupMember.group_name == group)
                )
            )
            added = [n for n in to_add if agents[n].id not in current]
            removed = [n for n in to_remove if agents[n].id in current]
            for name in added:
                session.add(
                    AgentGroupMember(group_name=group, agent_id=agents[name].id, added_at=write.now)  # type: ignore[arg-type]
                )
            if removed:
                session.execute(
                    delete(AgentGroupMember).where(
                        AgentGroupMember.group_name == group,  # type: ignore[arg-type]
                        AgentGroupMember.agent_id.in_([agents[n].id for n in removed]),  # type: ignore[attr-defined]
                    )
                )
            if added or removed:
                self._event(write, "group_members", None, group=group, added=added, removed=removed)
            session.flush()
            return next((g for g in _groups(session) if g.name == group), GroupInfo(group, ()))

    def escalation_setup(self) -> EscalationSetup:
        """What the escalation form needs: the team's group and its members, the fields."""
        with self._reading() as session:
            settings = self._settings(session).escalation
            members = session.execute(
                select(AgentRow.name, AgentRow.display_name)
                .join(AgentGroupMember, AgentGroupMember.agent_id == AgentRow.id)  # type: ignore[arg-type]
                .where(AgentGroupMember.group_name == settings.group, AgentRow.active)  # type: ignore[arg-type]
                .order_by(AgentRow.name)
            ).all()
            return EscalationSetup(
                settings.group,
                tuple(settings.fields),
                settings.min_length,
                tuple((name, display) for name, display in members),
            )

    # -- escalating ---------------------------------------------------------------------------

    def escalate(
        self,
        number: int,
        fields: Mapping[str, str],
        *,
        to: str | None = None,
        expected_version: int | None = None,
    ) -> EscalationInfo:
        """Hand the ticket to the second line with every required field filled in. Refused,
        naming each field, when one is missing or too short; a new round when an earlier one
        came back."""
        from supportdesk.store.desk import (
            EscalationIncomplete,
            InvalidInput,
            NotFound,
            NotPermitted,
        )

        with self._writing() as write:
            session = write.session
            setting = write.settings.escalation
            ticket = self._ticket_for_update(write, number)
            problems = rules.field_problems(fields, setting.fields, setting.min_length)
            if problems:
                raise EscalationIncomplete(
                    "the escalation is incomplete: " + "; ".join(problems.values()), problems
                )
            values = rules.ordered_fields(fields, setting.fields)
            for name, value in values:
                if len(value) > MAX_FIELD_CHARACTERS:
                    raise EscalationIncomplete(
                        f"“{name}” is longer than {MAX_FIELD_CHARACTERS:,} characters; "
                        "attach long logs to a note instead",
                        {name: f"longer than {MAX_FIELD_CHARACTERS:,} characters"},
                    )
            self._check_version(write, ticket, expected_version)
            actor = write.actor
            assert actor is not None
            if ticket.status in FINISHED_STATUSES:
                raise InvalidInput(
                    f"#{number} is {ticket.status}; reopen it first (status open) to escalate it"
                )
            current = _open_round(session, ticket)
            if current is not None:
                raise InvalidInput(
                    f"#{number} is already with the second line (round {current.round}, "
                    f"{setting.group}); wait until it is handed back or returned"
                )
            if ticket.assignee_id not in (None, actor.id) and actor.role != Role.LEAD:
                holder = session.get(AgentRow, ticket.assignee_id)
                raise NotPermitted(
                    f"#{number} is {holder.display_name if holder else 'someone else'}'s; only "
                    "the agent working on it (or a lead) escalates it"
                )
            members = _member_ids(session, setting.group)
            if not members:
                raise InvalidInput(
                    f"the escalation group {setting.group!r} has no members; a lead adds them "
                    f"with: supportdesk agents group {setting.group} --add NAME"
                )
            target = None
            if to:
                target = session.scalars(select(AgentRow).where(AgentRow.name == to)).first()
                if target is None:
                    raise NotFound(f"there is no agent named {to!r}")
                if target.id not in members or not target.active:
                    raise InvalidInput(
                        f"{target.display_name} is not an active member of {setting.group!r}; "
                        "choose a member, or leave it to the group"
                    )
            previous = session.scalar(
                select(func.max(Escalation.round)).where(Escalation.ticket_id == ticket.id)
            )
            row = Escalation(
                ticket_id=ticket.id,  # type: ignore[arg-type]
                round=(previous or 0) + 1,
                group_name=setting.group,
                escalated_by_id=actor.id,  # type: ignore[arg-type]
                target_agent_id=target.id if target else None,
                fields=[{"name": name, "value": value} for name, value in values],
                state="open",
                created_at=write.now,
            )
            session.add(row)
            ticket.assignee_id = target.id if target else None
            ticket.claimed_by_id = None
            ticket.claim_expires_at = None
            mentor = session.get(AgentRow, actor.mentor_id) if actor.mentor_id else None
            self._event(
                write,
                "escalated",
                ticket,
                version=ticket.version + 1,
                round=row.round,
                group=setting.group,
                to=target.name if target else None,
                # A trainee's escalation names the mentor, who follows their trainee's work.
                mentor=mentor.name if mentor and actor.role == Role.TRAINEE else None,
            )
            if ticket.status == Status.NEW:
                self._set_status(write, ticket, Status.OPEN)
            self._touch(write, ticket)
            session.flush()
            return _info(session, row, ticket.number)

    def return_escalation(
        self, number: int, comment: str, *, expected_version: int | None = None
    ) -> EscalationInfo:
        """Second line: send the escalation back as incomplete, saying what is missing. The
        ticket goes back to the agent who escalated it."""
        return self._end_round(number, comment, "returned", expected_version)

    def hand_back(
        self, number: int, note: str, *, expected_version: int | None = None
    ) -> EscalationInfo:
        """Second line: done; the ticket goes back to the first-line agent with a note."""
        return self._end_round(number, note, "handed_back", expected_version)

    def _end_round(
        self, number: int, text: str, state: str, expected_version: int | None
    ) -> EscalationInfo:
        from supportdesk.store.desk import InvalidInput, NotPermitted

        what = "comment" if state == "returned" else "note"
        text = rules.clean_value(text)
        if not text:
            raise InvalidInput(
                "returning an escalation needs a comment saying what is missing (--comment)"
                if state == "returned"
                else "handing back needs a note saying what was done (--note)"
            )
        if len(text) > MAX_FIELD_CHARACTERS:
            raise InvalidInput(f"the {what} is longer than {MAX_FIELD_CHARACTERS:,} characters")
        with self._writing() as write:
            session = write.session
            ticket = self._ticket_for_update(write, number)
            self._check_version(write, ticket, expected_version)
            actor = write.actor
            assert actor is not None
            row = _open_round(session, ticket)
            if row is None:
                raise InvalidInput(f"#{number} is not with the second line; nothing to send back")
            if actor.role != Role.LEAD and actor.id not in _member_ids(session, row.group_name):
                raise NotPermitted(
                    f"{actor.display_name} is not in {row.group_name!r}; only its members or a "
                    "lead return or hand back an escalation"
                )
            row.state = state
            row.closed_by_id = actor.id
            row.closed_at = write.now
            row.comment = text
            owner = session.get(AgentRow, row.escalated_by_id)
            ticket.assignee_id = owner.id if owner is not None and owner.active else None
            ticket.claimed_by_id = None
            ticket.claim_expires_at = None
            self._event(
                write,
                "escalation_returned" if state == "returned" else "escalation_handed_back",
                ticket,
                version=ticket.version + 1,
                round=row.round,
                to=owner.name if owner else None,
            )
            if ticket.status == Status.NEW:
                self._set_status(write, ticket, Status.OPEN)
            self._touch(write, ticket)
            session.flush()
            return _info(session, row, ticket.number)

    def _refuse_unless_second_line(self, session: Session, ticket: Ticket, actor: AgentRow) -> None:
        """An escalated ticket is the group's: taken by its members (or a lead), not by
        whoever presses `a` in the first line."""
        from supportdesk.store.desk import NotPermitted

        row = _open_round(session, ticket)
        if row is None or actor.role == Role.LEAD:
            return
        if actor.id not in _member_ids(session, row.group_name):
            raise NotPermitted(
                f"#{ticket.number} is with {row.group_name} (escalated by "
                f"{_name(session, row.escalated_by_id)}); one of its members takes it"
            )

    # -- reading ------------------------------------------------------------------------------

    def escalations(self, number: int) -> list[EscalationInfo]:
        """Every round of the ticket's escalations, oldest first."""
        from supportdesk.store.desk import NotFound

        with self._reading() as session:
            ticket = session.scalars(select(Ticket).where(Ticket.number == number)).first()
            if ticket is None:
                raise NotFound(f"there is no ticket #{number}")
            return list(escalations_of(session, ticket))

    def escalation_stats(self, period: metrics.Period) -> EscalationStats:
        """Per first-line agent: escalations made in the period, and of those how many came
        back incomplete, were handed back, or are still open; the return rate is returned /
        made. Every agent who escalated is listed, by name; trainees too."""
        with self._reading() as session:
            rows = session.execute(
                select(Escalation.escalated_by_id, Escalation.state, func.count())
                .where(
                    Escalation.created_at >= period.start,  # type: ignore[operator]
                    Escalation.created_at < period.end,  # type: ignore[operator]
                )
                .group_by(Escalation.escalated_by_id, Escalation.state)
            ).all()
            counts: dict[int, dict[str, int]] = {}
            for agent_id, state, n in rows:
                counts.setdefault(agent_id, {})[state] = int(n)
            agents = (
                {a.id: a for a in session.scalars(select(AgentRow).where(AgentRow.id.in_(counts)))}  # type: ignore[union-attr]
                if counts
                else {}
            )
        result = [
            _stats_row(agent.name, agent.display_name, agent.role, counts[agent_id])
            for agent_id, agent in agents.items()
        ]
        result.sort(key=lambda r: r.agent)
        totals: dict[str, int] = {}
        for by_state in counts.values():
            for state, n in by_state.items():
                totals[state] = totals.get(state, 0) + n
        return EscalationStats(
            start=period.start,
            end=period.end,
            first_day=period.first_day.isoformat(),
            last_day=period.last_day.isoformat(),
            timezone=period.timezone,
            rows=tuple(result),
            total=_stats_row("(team)", "Team", "", totals),
        )


def _stats_row(
    name: str, display: str, role: str, by_state: Mapping[str, int]
) -> EscalationStatsRow:
    returned = by_state.get("returned", 0)
    made = sum(by_state.values())
    return EscalationStatsRow(
        agent=name,
        display_name=display,
        role=role,
        made=made,
        returned=returned,
        handed_back=by_state.get("handed_back", 0),
        open=by_state.get("open", 0),
        return_rate=rules.return_rate(returned, made),
    )


def _groups(session: Session) -> list[GroupInfo]:
    members: dict[str, list[str]] = {}
    for group, name in session.execute(
        select(AgentGroupMember.group_name, AgentRow.name)
        .join(AgentRow, AgentRow.id == AgentGroupMember.agent_id)  # type: ignore[arg-type]
        .order_by(AgentGroupMember.group_name, AgentRow.name)
    ):
        members.setdefault(group, []).append(name)
    return [GroupInfo(group, tuple(names)) for group, names in members.items()]


def groups_by_agent(session: Session) -> dict[int, tuple[str, ...]]:
    found: dict[int, list[str]] = {}
    for agent_id, group in session.execute(
        select(AgentGroupMember.agent_id, AgentGroupMember.group_name).order_by(
            AgentGroupMember.group_name
        )
    ):
        found.setdefault(agent_id, []).append(group)
    return {agent_id: tuple(groups) for agent_id, groups in found.items()}


def _name(session: Session, agent_id: int | None) -> str:
    agent = session.get(AgentRow, agent_id) if agent_id else None
    return agent.display_name if agent else "?"


def _member_ids(session: Session, group: str) -> set[int]:
    return set(
        session.scalars(
            select(AgentGroupMember.agent_id).where(AgentGroupMember.group_name == group)
        )
    )


def _open_round(session: Session, ticket: Ticket) -> Escalation | None:
    return session.scalars(
        select(Escalation).where(Escalation.ticket_id == ticket.id, Escalation.state == "open")
    ).first()


def escalations_of(session: Session, ticket: Ticket) -> Sequence[EscalationInfo]:
    rows = session.scalars(
        select(Escalation).where(Escalation.ticket_id == ticket.id).order_by(Escalation.round)
    ).all()
    if not rows:
        return ()
    return tuple(_info(session, row, ticket.number) for row in rows)


def _info(session: Session, row: Escalation, number: int) -> EscalationInfo:
    def agent(agent_id: int | None) -> AgentRow | None:
        return session.get(AgentRow, agent_id) if agent_id else None

    by, target, closer = (
        agent(row.escalated_by_id),
        agent(row.target_agent_id),
        agent(row.closed_by_id),
    )
    return EscalationInfo(
        number=number,
        round=row.round,
        group=row.group_name,
        escalated_by=by.name if by else "?",
        escalated_by_display=by.display_name if by else "?",
        target=target.name if target else None,
        fields=tuple((f.get("name", ""), f.get("value", "")) for f in row.fields or ()),
        state=row.state,
        created_at=row.created_at,
        closed_by=closer.name if closer else None,
        closed_by_display=closer.display_name if closer else None,
        closed_at=row.closed_at,
        comment=row.comment,
    )
