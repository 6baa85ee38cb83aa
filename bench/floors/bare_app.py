"""Floor: a bare Textual app with Header + a 50-row DataTable + Footer."""

from textual.app import App, ComposeResult
from textual.widgets import DataTable, Footer, Header


class Bare(App):
    BINDINGS = [("q", "quit", "Quit")]

    def compose(self) -> ComposeResult:
        yield Header()
        yield DataTable()
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("ref", "priority", "title")
        for i in range(50):
            table.add_row(f"ROW-{i:06d}", "P3", f"Row number {i}")


if __name__ == "__main__":
    Bare().run()
