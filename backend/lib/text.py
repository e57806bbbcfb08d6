"""Text the database can store: PostgreSQL's text type refuses the NUL character, so the API refuses it first."""

NO_NUL = r"^[^\x00]*$"  # the ``pattern`` of every API string that is stored or searched (msgspec Meta, parameters)
