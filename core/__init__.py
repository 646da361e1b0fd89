"""The shared bottom layer: access policy, audit log and helpers every app uses. Imports no app."""
