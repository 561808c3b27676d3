from sqlalchemy import create_engine

from cpms.storage.migrate import pending_changes, upgrade


def test_migrations_build_exactly_the_tables_in_code(tmp_path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'm.sqlite3'}")
    with engine.begin() as conn:
        upgrade(conn)
    with engine.connect() as conn:
        assert pending_changes(conn) == []
