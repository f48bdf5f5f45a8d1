"""nbgrader's configuration for the Lab 2 course: run the nbgrader commands from this folder.

docs/teaching.md walks through generate → release → collect → autograde.
"""

c = get_config()  # noqa: F821 - nbgrader's config loader provides get_config

# the course's name in the exchange (change it to your course's)
c.CourseDirectory.course_id = "mlp-widgets-lab2"

# a check cell runs each case under a 5 s limit; 60 s per cell leaves room on a busy grading machine
c.ExecutePreprocessor.timeout = 60
