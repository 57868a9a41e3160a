"""``openimr guidelines list | show TOPIC | lint``."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

guidelines_app = typer.Typer(help="The guideline knowledge base.", no_args_is_help=True)


@guidelines_app.command("list")
def list_topics(
    category: Annotated[str | None, typer.Option(help="Only this category.")] = None,
) -> None:
    """Every topic with its category and the guideline families it cites."""
    from openimr.knowledge.topics import default_knowledge_base

    knowledge = default_knowledge_base()
    rows = []
    for topic in knowledge.topics:
        if category and topic.category != category:
            continue
        families = []
        for guidance in topic.guidance:
            for document_id in guidance.cites:
                family = knowledge.sources.document(document_id).family.value
                if family not in families:
                    families.append(family)
        rows.append(f"{topic.id:<34} {topic.category:<18} {', '.join(families):<40} {topic.title}")
    sys.stdout.write("\n".join(rows) + "\n")
    sys.stdout.write(f"{len(rows)} topics\n")


@guidelines_app.command("show")
def show_topic(
    topic_id: Annotated[str, typer.Argument(help="Topic id (see `guidelines list`).")],
) -> None:
    """A topic: its guidance in search-sequence order, citations and criteria."""
    from openimr.errors import InputError
    from openimr.knowledge.topics import default_knowledge_base

    knowledge = default_knowledge_base()
    if topic_id not in knowledge:
        raise InputError(f"unknown topic {topic_id!r}; see `openimr guidelines list`")
    topic = knowledge.topic(topic_id)
    out = [f"{topic.title} ({topic.id})", f"category: {topic.category}; kind: {topic.kind}"]
    if topic.synonyms:
        out.append("synonyms: " + ", ".join(topic.synonyms))
    for number, guidance in enumerate(topic.guidance, start=1):
        out.append("")
        cites = []
        for document_id, cite in guidance.cites.items():
            document = knowledge.sources.document(document_id)
            where = ", ".join(cite.sections)
            if cite.chapter is not None:
                where = f"chapter {cite.chapter}" + (f", {where}" if where else "")
            if cite.pages:
                where += f", p. {cite.pages}"
            cites.append(
                f"{document.family.value} {document.title} "
                f"({document.edition or 'current'}): {where}"
            )
        out.append(f"{number}. " + "\n   or ".join(cites))
        out.append(f"   recommendation: {guidance.recommendation}")
        out.append(f"   {guidance.summary}")
        for criterion in guidance.criteria:
            mark = "*" if criterion.required else "-"
            out.append(f"   {mark} {criterion.id}: {criterion.text}")
    sys.stdout.write("\n".join(out) + "\n")


@guidelines_app.command("lint")
def lint() -> None:
    """Validate every guideline data file; prints file:line: message, exit 1 on any problem."""
    from openimr.knowledge.lint import lint_knowledge_base

    messages = lint_knowledge_base()
    for message in messages:
        sys.stdout.write(f"{message}\n")
    if messages:
        sys.stderr.write(f"{len(messages)} problem(s)\n")
        raise typer.Exit(1)
    sys.stdout.write("guideline data: no problems\n")


def register(app: typer.Typer) -> None:
    app.add_typer(guidelines_app, name="guidelines")
