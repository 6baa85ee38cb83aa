"""Floor: imports textual and sqlmodel, shows 50 rows read from SQLite in a DataTable.

    python floors/sqlmodel_app.py DB_PATH
"""

import sys

import sqlmodel  # noqa: F401  (the import cost is part of the floor)
from sqlalchemy import create_engine, text
from textual.app import App, ComposeResult
from textual.widgets import DataTable, Footer, Header


class Floor(App):
    BINDINGS = [("q", "quit", "Quit")]

    def compose(self) -> ComposeResult:
        yield Header()
        yield DataTable()
        yield Footer()

    def on_mount(self) -> None:
        engine = create_engine(f"sqlite:///{sys.argv[1]}")
        with engine.connect() as con:
            rows = con.execute(
                text("SELECT ref, priority, title FROM incident ORDER BY priority, created_at, id LIMIT 50")
            ).all()
        table = self.query_one(DataTable)
        table.add_columns("ref", "priority", "title")
        for ref, priority, title in rows:
            table.add_row(ref, f"P{priority}", title)


if __name__ == "__main__":
    Floor().run()
