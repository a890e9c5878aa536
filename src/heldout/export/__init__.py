"""Exports of a scenario into the tools graders already use: a Gradescope autograder, a GitHub Classroom
assignment template."""
