"""`ucj report`: the monthly coverage report (figures.py pure, render.py HTML/PDF, cli.py the command)."""
