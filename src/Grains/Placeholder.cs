namespace OpsCentre.Grains;
