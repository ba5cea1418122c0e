"""The public portal (/public/): published rounds' bases, a world map, pages per country and organization, trends."""
