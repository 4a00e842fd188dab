"""Data and reports out of the app: a measure's data (CSV, Excel), all data of a project (one
Excel workbook), the project's storyboard (HTML, A4 PDF), and the small-numbers warning they
all carry (small_numbers.py)."""
