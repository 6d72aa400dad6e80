from alembic import context

from caseapp.models import Base

config = context.config
engine = config.attributes["engine"]


def _foreign_key_problems(driver_connection) -> list:
    return driver_connection.execute("PRAGMA foreign_key_check").fetchall()


with engine.connect() as connection:
    sqlite = connection.dialect.name == "sqlite"
    driver = connection.connection.driver_connection
    if sqlite:
        # A batch migration rebuilds a table (copy, drop, rename): with foreign keys on,
        # SQLite refuses to drop a table others refer to. Off before the transaction
        # begins (it has no effect inside one), checked once the migrations are in.
        driver.execute("PRAGMA foreign_keys=OFF")
    try:
        context.configure(connection=connection, target_metadata=Base.metadata,
                          render_as_batch=sqlite, compare_type=True)
        with context.begin_transaction():
            context.run_migrations()
            if sqlite and _foreign_key_problems(driver):
                raise RuntimeError("A migration left rows whose references point nowhere; "
                                   "nothing was changed.")
        connection.commit()
    finally:
        if sqlite:
            driver.execute("PRAGMA foreign_keys=ON")
