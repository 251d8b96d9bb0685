// The shared test helpers, visible to every test folder without a using in each file.
global using CropVision.Tests.Support;
