from django.apps import AppConfig


class ReaderConfig(AppConfig):
    name = "reader"
    verbose_name = "Reader"

    def ready(self) -> None:
        # Trending (papers) counts the site's own views, bookmarks and upvotes, which live
        # here: papers cannot import reader, so reader hands it the reader function.
        from papers.trending import own_signals_provider_set
        from reader.selectors import own_signals_in_window

        own_signals_provider_set(own_signals_in_window)
        # The daily email's own part for a reader (For you, saved searches), likewise.
        from mailing.personal import personal_provider_set
        from reader.emails import personal_part

        personal_provider_set(personal_part)
