"""The seed's twelve questions in its five sections, plus Developer NPS: the default campaign."""

LIKERT_LABELS = {1: "Strongly disagree", 2: "Disagree", 3: "Neutral", 4: "Agree", 5: "Strongly agree"}

# (section, key, kind, text, required)
DEFAULT_QUESTIONS = [
    ("Infrastructure & Deployment", "deploy-confidently", "likert",
     "I can deploy my changes to production confidently and quickly.", True),
    ("Infrastructure & Deployment", "create-service-easily", "likert",
     "Creating a new service or environment is straightforward.", True),
    ("Infrastructure & Deployment", "few-infra-tickets", "likert",
     "I rarely need to file tickets for infrastructure tasks.", True),
    ("Observability & Debugging", "root-cause-quickly", "likert",
     "When something breaks in production, I can find the root cause quickly.", True),
    ("Observability & Debugging", "monitoring-alerting", "likert",
     "I have the monitoring and alerting I need for my services.", True),
    ("Documentation & Discovery", "find-docs", "likert",
     "I can find documentation for internal tools and services easily.", True),
    ("Documentation & Discovery", "know-owners", "likert",
     "I know who owns a service and how to contact them.", True),
    ("Developer Tools", "local-env-reliable", "likert",
     "My local development environment works reliably.", True),
    ("Developer Tools", "ci-fast", "likert",
     "CI/CD pipelines are fast enough that they don't block my workflow.", True),
    ("Overall", "platform-productive", "likert",
     "The internal developer platform makes me more productive.", True),
    ("Overall", "developer-nps", "nps",
     "How likely are you to recommend the platform to a colleague?", True),
    ("Overall", "biggest-friction", "text",
     "What is the biggest source of friction in your day-to-day work?", False),
    ("Overall", "change-one-thing", "text",
     "If you could change one thing about our developer tools, what would it be?", False),
]
