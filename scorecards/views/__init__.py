"""Pages of the scorecards app: thin views over scorecards.selectors and scorecards.services."""
