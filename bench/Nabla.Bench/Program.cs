Console.WriteLine("usage: dotnet run -c Release --project bench/Nabla.Bench -- <benchmark>");
