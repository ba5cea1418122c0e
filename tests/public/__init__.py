"""registry/public: the API, open data, the portal and the publication's build."""
